// Package zoolib is imported by the typezoo plugin: its types appear in the
// plugin's export types, so their package path is another package's.
package zoolib

// Thing is a named struct used in export types.
type Thing struct{ ID int }

// Box is a generic type instantiated by the plugin.
type Box[T any] struct{ V T }

// Version is this package's version.
func Version() string { return "v1" }
