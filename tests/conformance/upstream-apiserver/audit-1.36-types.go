// Transcribed (comments stripped, struct definitions and json tags verbatim) from
// repo kubernetes/apiserver (published from kubernetes/kubernetes staging/src/k8s.io/apiserver),
// tag v0.36.0 (Kubernetes 1.36), path pkg/apis/audit/v1/types.go,
// commit 4275b1386716339093435e3a84f313d0f311d912. Group audit.k8s.io, version v1; only Policy and what it uses.
package v1

type Level string

type Stage string

type Policy struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	Rules []PolicyRule `json:"rules" protobuf:"bytes,2,rep,name=rules"`
	OmitStages []Stage `json:"omitStages,omitempty" protobuf:"bytes,3,rep,name=omitStages"`
	OmitManagedFields bool `json:"omitManagedFields,omitempty" protobuf:"varint,4,opt,name=omitManagedFields"`
}

type PolicyRule struct {
	Level Level `json:"level" protobuf:"bytes,1,opt,name=level,casttype=Level"`
	Users []string `json:"users,omitempty" protobuf:"bytes,2,rep,name=users"`
	UserGroups []string `json:"userGroups,omitempty" protobuf:"bytes,3,rep,name=userGroups"`
	Verbs []string `json:"verbs,omitempty" protobuf:"bytes,4,rep,name=verbs"`
	Resources []GroupResources `json:"resources,omitempty" protobuf:"bytes,5,rep,name=resources"`
	Namespaces []string `json:"namespaces,omitempty" protobuf:"bytes,6,rep,name=namespaces"`
	NonResourceURLs []string `json:"nonResourceURLs,omitempty" protobuf:"bytes,7,rep,name=nonResourceURLs"`
	OmitStages []Stage `json:"omitStages,omitempty" protobuf:"bytes,8,rep,name=omitStages"`
	OmitManagedFields *bool `json:"omitManagedFields,omitempty" protobuf:"varint,9,opt,name=omitManagedFields"`
}

type GroupResources struct {
	Group string `json:"group,omitempty" protobuf:"bytes,1,opt,name=group"`
	Resources []string `json:"resources,omitempty" protobuf:"bytes,2,rep,name=resources"`
	ResourceNames []string `json:"resourceNames,omitempty" protobuf:"bytes,3,rep,name=resourceNames"`
}
