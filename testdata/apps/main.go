// go-workdir: a static Go program (CGO_ENABLED=0) run as user gopher from WorkingDir
// /home/gopher; prints its user and cwd and writes a file there.
package main

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
)

func main() {
	u, err := user.Current()
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-workdir: user:", err)
		os.Exit(1)
	}
	fmt.Printf("user %s uid=%s home=%s\n", u.Username, u.Uid, u.HomeDir)
	cwd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-workdir: getwd:", err)
		os.Exit(1)
	}
	fmt.Println("cwd", cwd)
	name := filepath.Join(cwd, "note.txt")
	if err := os.WriteFile(name, []byte("written by go-workdir\n"), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "go-workdir: write:", err)
		os.Exit(1)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-workdir: read:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s (%d bytes)\n", name, len(b))
}
