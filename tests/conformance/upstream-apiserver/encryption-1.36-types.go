// Transcribed (comments stripped, struct definitions and json tags verbatim; the empty
// IdentityConfiguration struct{} written over two lines for the checker's parser) from
// repo kubernetes/apiserver (published from kubernetes/kubernetes staging/src/k8s.io/apiserver),
// tag v0.36.0 (Kubernetes 1.36), path pkg/apis/apiserver/v1/types_encryption.go,
// commit 4275b1386716339093435e3a84f313d0f311d912. Group apiserver.config.k8s.io, version v1.
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
	APIVersion string `json:"apiVersion"`
	Name string `json:"name"`
	CacheSize *int32 `json:"cachesize,omitempty"`
	Endpoint string `json:"endpoint"`
	Timeout *metav1.Duration `json:"timeout,omitempty"`
}
