// Package recorder collects the steps of package initialisation, in the order
// they happen, for the initorder corpus plugin.
package recorder

// Log is every step recorded so far.
var Log []string

// Step appends name to Log and returns its position (1-based), so that it can
// be used in package-level var initialisers.
func Step(name string) int {
	Log = append(Log, name)
	return len(Log)
}

// Snapshot returns a copy of Log.
func Snapshot() []string {
	return append([]string(nil), Log...)
}
