//go:build tools

// Package tools pins the Go modules that `make engine` builds the Pulumi CLI from
// (the "tools.go" pattern: go.mod/go.sum record them, `go build` builds their main packages).
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
