// Transcribed (comments stripped, struct definitions and json tags verbatim; the empty
// IdentityConfiguration struct{} written over two lines for the checker's parser) from
// repo kubernetes/apiserver (published from kubernetes/kubernetes staging/src/k8s.io/apiserver),
// tag v0.21.0 (Kubernetes 1.21), path pkg/apis/config/v1/types.go,
// commit 976e7a099887914bf8ff60411c1481d31bf68ae5. Group apiserver.config.k8s.io, version v1.
package v1

type EncryptionConfiguration struct {
	metav1.TypeMeta
	Resources []ResourceConfiguration `json:"resources"`
}

type ResourceConfiguration struct {
	Resources []string `json:"resources"`
	Providers []ProviderConfiguration `json:"providers"`
}

type ProviderConfiguration struct {
	AESGCM *AESConfiguration `json:"aesgcm,omitempty"`
	AESCBC *AESConfiguration `json:"aescbc,omitempty"`
	Secretbox *SecretboxConfiguration `json:"secretbox,omitempty"`
	Identity *IdentityConfiguration `json:"identity,omitempty"`
	KMS *KMSConfiguration `json:"kms,omitempty"`
}

type AESConfiguration struct {
	Keys []Key `json:"keys"`
}

type SecretboxConfiguration struct {
	Keys []Key `json:"keys"`
}

type Key struct {
	Name string `json:"name"`
	Secret string `json:"secret"`
}

type IdentityConfiguration struct {
}

type KMSConfiguration struct {
	Name string `json:"name"`
	CacheSize *int32 `json:"cachesize,omitempty"`
	Endpoint string `json:"endpoint"`
	Timeout *metav1.Duration `json:"timeout,omitempty"`
}
