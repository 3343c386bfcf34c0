// Command gen writes the JSON schema of mlbuild.yaml (schemagen.Generate) to each file named
// on its command line. go generate runs it in pkg/spec:
//
//	go run ./internal/schemagen/gen mlbuild.schema.json ../../docs/mlbuild.schema.json
package main

import (
	"fmt"
	"os"

	"github.com/mlbuild/mlbuild/pkg/spec/internal/schemagen"
)

func main() {
	dt, err := schemagen.Generate(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
	for _, f := range os.Args[1:] {
		if err := os.WriteFile(f, dt, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "schemagen:", err)
			os.Exit(1)
		}
	}
}
