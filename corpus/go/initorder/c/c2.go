package c

import "example.com/corpus/initorder/recorder"

// Two is declared in c2.go.
var Two = recorder.Step("c.Two (c2.go)")

func init() { recorder.Step("c.init (c2.go) first") }

func init() { recorder.Step("c.init (c2.go) second") }
