// Command exe is an ordinary Go executable: not a plugin.
package main

import "fmt"

func main() { fmt.Println("not a plugin") }
