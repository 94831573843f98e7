// Command host opens Go plugins in order and prints, as JSON lines, each Open
// error or the %T of each named symbol: the reference the tests compare with.
//
//	host NAME,NAME,... PLUGIN...
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"plugin"
	"strings"

	"example.com/gpetest/shared"
)

func main() {
	names := strings.Split(os.Args[1], ",")
	enc := json.NewEncoder(os.Stdout)
	for _, path := range os.Args[2:] {
		p, err := plugin.Open(path)
		if err != nil {
			enc.Encode(map[string]any{"plugin": path, "error": err.Error()})
			continue
		}
		types := map[string]string{}
		for _, n := range names {
			if sym, err := p.Lookup(n); err == nil {
				types[n] = fmt.Sprintf("%T", sym)
			}
		}
		enc.Encode(map[string]any{"plugin": path, "types": types, "shared": shared.Version()})
	}
}
