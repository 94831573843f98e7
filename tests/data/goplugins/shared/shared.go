// Package shared is linked into both the test host and the test plugins; the
// "skew" build tag changes its API so that Go refuses to load the plugin.
package shared

// Thing is a named struct used in export types.
type Thing struct{ ID int }

// Box is a generic type instantiated by the plugin.
type Box[T any] struct{ V T }

// Version is called by the host so that the package is linked into it.
func Version() string { return "v1" }
