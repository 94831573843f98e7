module gopluginemu.example/layoutprobe

go 1.21
