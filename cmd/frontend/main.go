// Command frontend is the mlbuild BuildKit frontend. Started by BuildKit (as the image named
// in "# syntax=" or by gateway.v0) it serves the gateway API; started by hand it is a small
// CLI: "frontend version", "frontend init", "frontend lint -f mlbuild.yaml", ... The release
// image runs the same binary as its entrypoint, so "docker run IMAGE init" is the CLI too
// (cli.StartedByBuildKit tells the two calls apart).
package main

import (
	"fmt"
	"os"

	"github.com/mlbuild/mlbuild/internal/cli"
	"github.com/mlbuild/mlbuild/pkg/frontend"
	"github.com/moby/buildkit/frontend/gateway/grpcclient"
	"github.com/moby/buildkit/util/appcontext"
	_ "github.com/moby/buildkit/util/grpcutil/encoding/proto"
)

func main() {
	if !cli.StartedByBuildKit(os.Args[1:], os.LookupEnv) {
		os.Exit(cli.Run(appcontext.Context(), os.Args[1:], os.Stdout, os.Stderr))
	}
	if err := grpcclient.RunFromEnvironment(appcontext.Context(), frontend.Build); err != nil {
		fmt.Fprintf(os.Stderr, "mlbuild: %v\n", err)
		os.Exit(1)
	}
}
