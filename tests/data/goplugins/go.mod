module example.com/gpetest

go 1.21
