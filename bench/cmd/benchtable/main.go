// Command benchtable writes the README's benchmark figures from the checked-in results, so
// that no number in the README's speed section is typed by hand. It rewrites the region of
// README.md between the lines
//
//	<!-- bench:begin -->
//	<!-- bench:end -->
//
// from bench/results: latest.json and latest.md (the checked-in run of `make bench`),
// previous.json and previous.md (the run before it, kept by `make bench`; optional) and
// go-bench.txt (the Go micro-benchmarks). `make generate` runs it; TestREADMEIsCurrent fails
// when the README says something else than these files give.
//
//	go run ./bench/cmd/benchtable [-readme README.md] [-results bench/results] [-check]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	readme := flag.String("readme", "README.md", "the file whose bench region is rewritten")
	dir := flag.String("results", filepath.Join("bench", "results"), "the checked-in results")
	check := flag.Bool("check", false, "only report whether the region is current (exit 1 if not)")
	flag.Parse()
	if err := run(*readme, *dir, *check); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

func run(readme, dir string, check bool) error {
	old, err := os.ReadFile(readme)
	if err != nil {
		return err
	}
	region, err := Render(dir)
	if err != nil {
		return err
	}
	updated, err := Splice(old, region)
	if err != nil {
		return fmt.Errorf("%s: %w", readme, err)
	}
	if bytes.Equal(old, updated) {
		return nil
	}
	if check {
		return fmt.Errorf("%s: the bench region is not what %s gives; run go run ./bench/cmd/benchtable (make generate)", readme, dir)
	}
	fi, err := os.Stat(readme)
	if err != nil {
		return err
	}
	if err := os.WriteFile(readme, updated, fi.Mode().Perm()); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "benchtable: rewrote the bench region of %s from %s\n", readme, dir)
	return nil
}
