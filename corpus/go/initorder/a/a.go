// Package a is the bottom of the initorder corpus packages: it imports only
// the recorder.
package a

import "example.com/corpus/initorder/recorder"

// Second depends on First, so it is initialised after it despite its place.
var Second = recorder.Step("a.Second after a.First=" + itoa(First))

// First is initialised first.
var First = recorder.Step("a.First")

func init() { recorder.Step("a.init") }

// Name is used by b and c.
func Name() string { return "a" }

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
