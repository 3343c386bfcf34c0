package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mlbuild/mlbuild/internal/testbed"
)

// step is one repetition of a scenario for one builder.
type step func(b *Builder, rep int) (sample, error)

// runner runs the scenarios -only selects, for every builder, and keeps their results.
type runner struct {
	want     map[string]bool
	builders []*Builder
	results  []scenarioResult
}

// newRunner returns a runner for builders that runs the scenarios named by -only (all if empty).
func newRunner(builders []*Builder) *runner {
	want := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		if s != "" {
			want[s] = true
		}
	}
	return &runner{want: want, builders: builders}
}

// scenario runs f n times per builder, the builders alternating (A B A B), and records the samples.
func (r *runner) scenario(name string, f step, n int) error {
	if len(r.want) > 0 && !r.want[name] {
		return nil
	}
	res := scenarioResult{Name: name, Samples: map[string][]sample{}}
	for rep := 0; rep < n; rep++ {
		for _, b := range r.builders { // A B A B
			s, err := f(b, rep)
			if err != nil {
				return fmt.Errorf("%s/%s rep %d: %w", name, b.Name, rep, err)
			}
			fmt.Fprintf(os.Stderr, "bench: %-22s %-9s rep %d: %6.2fs executed %2d pip %d ctx %dB\n", name, b.Name, rep, s.Wall, s.Executed, s.PipRuns, s.ContextByte)
			res.Samples[b.Name] = append(res.Samples[b.Name], s)
		}
	}
	r.results = append(r.results, res)
	return nil
}

// coldBoth is the step of scenario 1: build both targets on a daemon of its own.
func (e *env) coldBoth(b *Builder, rep int) (sample, error) {
	d, err := testbed.Start(filepath.Join(e.bin, "buildkitd"), e.registry)
	if err != nil {
		return sample{}, err
	}
	defer d.Remove()
	return e.buildBoth(d.Host, b, nil)
}

// warmScenarios primes the warm daemon at host for every builder, then runs scenarios 2 to 7 on it.
func (e *env) warmScenarios(r *runner, host string) error {
	for _, b := range r.builders {
		if _, err := e.buildBoth(host, b, nil); err != nil {
			return err
		}
	}
	scenarios := []struct {
		name string
		f    step
		n    int
	}{
		{"2-noop-rebuild", e.warm(host, nil), *reps},
		{"3-edit-src", e.warm(host, e.editSrc), *reps},
		{"4-edit-configs", e.warm(host, e.editConfigs), *reps},
		{"5-add-requirement", e.addRequirement(host), *reps},
		{"6-bump-base", e.bumpBaseStep(host), *reps},
		// 7. Cache shared through the registry: a warm daemon exports (mode=max), an empty one imports.
		{"7-registry-cache-import", e.registryCacheImport(host), *coldReps},
	}
	for _, sc := range scenarios {
		if err := r.scenario(sc.name, sc.f, sc.n); err != nil {
			return err
		}
	}
	return nil
}

// warm returns the step of a warm scenario: edit the project (if edit is not nil), then build
// both targets on the warm daemon at host.
func (e *env) warm(host string, edit func(rep int, b *Builder) error) step {
	return func(b *Builder, rep int) (sample, error) {
		if edit != nil {
			if err := edit(rep, b); err != nil {
				return sample{}, err
			}
		}
		return e.buildBoth(host, b, nil)
	}
}

// editSrc is the edit of scenario 3: a new comment in the model's source.
func (e *env) editSrc(rep int, b *Builder) error {
	return appendFile(filepath.Join(e.project, "src", "model.py"), fmt.Sprintf("\n# bench edit %s %d %d\n", b.Name, rep, time.Now().UnixNano()))
}

// editConfigs is the edit of scenario 4: a space at the end of the training config.
func (e *env) editConfigs(rep int, b *Builder) error {
	return appendFile(filepath.Join(e.project, "configs", "train.json"), " ")
}

// addRequirement returns the step of scenario 5: add one package to the requirements and
// build, counting the downloads of the new package and of those already in the builder's cache.
func (e *env) addRequirement(host string) step {
	// Each build adds one package. A package that was in the requirements at the builder's
	// previous build is in its pip cache: downloading it again counts as a refetch.
	added := 0
	cachedBy := map[string][]string{}
	return func(b *Builder, rep int) (sample, error) {
		before := map[string]int{}
		for _, p := range cachedBy[b.Name] {
			before[p] = e.index.Downloads(p)
		}
		newPkg := fmt.Sprintf("mlb-bench-%d", added)
		added++
		defer func() {
			cachedBy[b.Name] = nil
			for i := 0; i < added; i++ {
				cachedBy[b.Name] = append(cachedBy[b.Name], fmt.Sprintf("mlb-bench-%d", i))
			}
		}()
		if err := appendFile(filepath.Join(e.project, "requirements.txt"), newPkg+"==1.0\n"); err != nil {
			return sample{}, err
		}
		s, err := e.buildBoth(host, b, nil)
		s.Downloads = e.index.Downloads(newPkg)
		for p, n := range before {
			s.OldRefetch += e.index.Downloads(p) - n
		}
		return s, err
	}
}

// bumpBaseStep returns the step of scenario 6: push a new revision of the base, then build.
func (e *env) bumpBaseStep(host string) step {
	bump := 0
	return func(b *Builder, rep int) (sample, error) {
		bump++
		if err := e.bumpBase(bump); err != nil {
			return sample{}, err
		}
		return e.buildBoth(host, b, nil)
	}
}

// registryCacheImport returns the step of scenario 7: build on the warm daemon at host,
// exporting the cache to the registry, then build on a fresh daemon importing it.
func (e *env) registryCacheImport(host string) step {
	return func(b *Builder, rep int) (sample, error) {
		ref := fmt.Sprintf("%s/bench/cache-%s:%d-%d", e.registry, b.Name, rep, time.Now().UnixNano())
		if _, err := e.buildBoth(host, b, &cacheOpt{export: ref}); err != nil {
			return sample{}, err
		}
		fresh, err := testbed.Start(filepath.Join(e.bin, "buildkitd"), e.registry)
		if err != nil {
			return sample{}, err
		}
		defer fresh.Remove()
		return e.buildBoth(fresh.Host, b, &cacheOpt{importRef: ref})
	}
}
