// Package llbgraph renders a resolved plan (pkg/plan) of one mlbuild target into BuildKit
// LLB and an image config.
//
// Contract:
//   - [Render] is a pure function of the plan and [Options]: it performs no I/O, reads no
//     clock and never looks at the spec. Everything that depends on the build's environment
//     (the resolved base image and its config, the build contexts, the platform, the cache
//     namespace, SOURCE_DATE_EPOCH) comes in through [Options]. The same plan and options
//     always give the same LLB bytes and the same config.
//   - The graph has one layer per concern, each independent of the others where the content
//     allows it: the user account (with the directories it may write), the empty virtualenv,
//     the packages pip installs into it, and one layer per copied path, joined with a merge
//     op (the LLB form of
//     COPY --link). An edit under src/ therefore re-runs one copy; it never re-runs pip or
//     touches other layers, and a new base digest re-runs only the steps that need the base.
//   - The dependency step sees only the requirements files, through their own context, so its
//     cache key changes only when they, the base image or the pip options change. Every target
//     of a spec shares that one step.
//   - Every vertex is named "[<target> <n>/<total>] <what>" and, where the spec file has a
//     node for it, carries that node's source location, so a failing step points at its line.
//   - Secrets for pip are mounted for the pip step only; they reach no layer and no config.
//   - System packages (apt) are a layer of their own on the base, which the user step runs
//     on; apt's lists and downloads are locked cache mounts. Build packages are installed on
//     the base where the venv and pip steps run ([plan.Plan.BuildRoot]), and only those steps'
//     own diffs (or, in the copy shape, the venv copied out of them) reach the image.
//   - Build-time run steps run on the image so far without the project and the code (the
//     layers below merged), as the target's user with the image's environment, and keep
//     their diff as a layer: a code edit never runs them again.
//   - Checks (spec tests, the smoke test) run in the assembled image; [Result.State] is that
//     image merged once more with an empty diff of each check's result, so it depends on its
//     checks without a file of theirs: they run in the same solve, and a cache export of the
//     image carries their results.
//   - The builder's capabilities ([Options.Caps]) pick the shape ([ShapeFor]). Without the
//     merge and diff ops (Docker Engine 20.10; Docker 23+ on graphdriver storage) the same
//     layers go onto the base in the same order by plain steps and copies ([plan.ShapeCopy]): the
//     same files, owners, modes, history and config, the same vertex names minus the
//     assembly, and no export gate in the graph (the caller solves the checks and returns
//     the image only when they pass). Without secrets-as-env (BuildKit < v0.10) a pip secret
//     meant for the environment is mounted as a file on the step's tmpfs and exported by
//     its script. [CheckCaps] names any capability a graph still needs that a builder lacks.
package llbgraph
