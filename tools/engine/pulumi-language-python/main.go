// pulumi-language-python: a small Python language host for the Pulumi engine that `make engine` builds.
//
// Why this exists: Pulumi's own Python language host lives in a Go module of its own
// (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3) that the Go module proxy this
// project builds from does not serve (every version and pseudo-version of it is refused), so it cannot be
// built here. This host implements the parts of the LanguageRuntime gRPC service that running a Python
// program needs (`pulumi preview/up/destroy/refresh`, `pulumi install`, `pulumi about`) on top of the
// public packages of github.com/pulumi/pulumi/sdk/v3 (the same pulumirpc protocol and the same
// python/toolchain package that Pulumi's host uses to find the virtualenv), and runs the program through
// Pulumi's own `pulumi-language-python-exec` script, which build.sh installs next to this binary.
//
// Not implemented (they answer Unimplemented): running Python plugins (RunPlugin), `pulumi new` templating,
// code generation, packing/linking SDKs, and the `typechecker` runtime option. GetRequiredPackages reports
// no packages, so the engine loads provider plugins on demand when the program registers resources (the
// dynamic-provider plugin `pulumi-resource-pulumi-python` is found on PATH).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

// The exec script exits with this code after it has already reported the error to the engine.
const bailExitCode = 32

const execScriptName = "pulumi-language-python-exec"

func main() {
	// The engine starts language hosts as `pulumi-language-python [flags] <engine address>`; flags that
	// Pulumi's host accepts and this one does not use are accepted and ignored.
	flags := flag.NewFlagSet(os.Args[0], flag.ContinueOnError)
	tracing := flags.String("tracing", "", "Zipkin-compatible tracing endpoint (passed on to the program)")
	_ = flags.String("root", "", "ignored")
	_ = flags.String("virtualenv", "", "ignored: use the virtualenv runtime option in Pulumi.yaml")
	_ = flags.String("toolchain", "", "ignored: use the toolchain runtime option in Pulumi.yaml")
	_ = flags.String("typechecker", "", "ignored")
	_ = flags.String("use-executor", "", "ignored")
	if err := flags.Parse(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
		os.Exit(2)
	}
	host := &pythonHost{tracing: *tracing}
	if args := flags.Args(); len(args) > 0 {
		host.engineAddress = args[len(args)-1]
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: could not start the gRPC server: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: gRPC server stopped: %v\n", err)
		os.Exit(1)
	}
}

type pythonHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex
	engineAddress string
	tracing       string
}

func (h *pythonHost) engine() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engineAddress
}

func (h *pythonHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.engineAddress = req.GetEngineAddress()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *pythonHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (h *pythonHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *pythonHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// resolveToolchain reads the `runtime.options` of Pulumi.yaml (toolchain: pip|poetry|uv, virtualenv: DIR)
// the way Pulumi's Python host does, through sdk/v3's python/toolchain package.
func resolveToolchain(info *pulumirpc.ProgramInfo) (toolchain.Toolchain, error) {
	if info == nil {
		return nil, status.Error(codes.InvalidArgument, "the request carries no program info")
	}
	opts := toolchain.PythonOptions{
		Root:       info.GetRootDirectory(),
		ProgramDir: info.GetProgramDirectory(),
		Toolchain:  toolchain.Auto,
	}
	var options map[string]any
	if s := info.GetOptions(); s != nil {
		options = s.AsMap()
	}
	for key, value := range options {
		switch key {
		case "virtualenv":
			s, ok := value.(string)
			if !ok {
				return nil, fmt.Errorf("runtime option virtualenv must be a string, not %T", value)
			}
			opts.Virtualenv = s
		case "toolchain":
			s, _ := value.(string)
			switch strings.ToLower(s) {
			case "pip":
				opts.Toolchain = toolchain.Pip
			case "poetry":
				opts.Toolchain = toolchain.Poetry
			case "uv":
				opts.Toolchain = toolchain.Uv
			default:
				return nil, fmt.Errorf("unsupported toolchain %q (use pip, poetry or uv)", s)
			}
		case "typechecker":
			if s, _ := value.(string); s != "" && s != "none" {
				return nil, fmt.Errorf("the runtime option typechecker is not supported by this language host " +
					"(tools/engine of pulumi-iotcomms); remove it from Pulumi.yaml")
			}
		}
	}
	return toolchain.ResolveToolchain(opts)
}

// execScript finds pulumi-language-python-exec: next to this binary first, then on PATH.
func execScript() (string, error) {
	if self, err := os.Executable(); err == nil {
		candidate := filepath.Join(filepath.Dir(self), execScriptName)
		if _, err := os.Stat(candidate); err == nil {
			return candidate, nil
		}
	}
	path, err := exec.LookPath(execScriptName)
	if err != nil {
		return "", fmt.Errorf("could not find %s next to the language host or on PATH: %w", execScriptName, err)
	}
	return path, nil
}

func (h *pythonHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	tc, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	script, err := execScript()
	if err != nil {
		return nil, err
	}

	args := []string{"-u", script}
	add := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	add("root_directory", req.GetInfo().GetRootDirectory())
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engine())
	add("project", req.GetProject())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	add("dry_run", strconv.FormatBool(req.GetDryRun()))
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("tracing", h.tracing)
	add("organization", req.GetOrganization())
	program := req.GetProgram() //nolint:staticcheck // the engine still sets it to the entry point
	if program == "" {
		program = req.GetInfo().GetEntryPoint()
	}
	if program == "" {
		program = "."
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("serializing the stack configuration: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("serializing the secret configuration keys: %w", err)
	}
	cmd.Env = append(env, "PULUMI_CONFIG="+string(config), "PULUMI_CONFIG_SECRET_KEYS="+string(secretJSON))
	cmd.Dir = req.GetPwd()
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr

	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == bailExitCode {
				// The program has already reported its error through the engine.
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err),
		}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// streamWriter forwards dependency-installation output to the engine.
type streamWriter struct {
	stream grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse]
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	data := append([]byte(nil), p...)
	resp := &pulumirpc.InstallDependenciesResponse{Stdout: data}
	if w.stderr {
		resp = &pulumirpc.InstallDependenciesResponse{Stderr: data}
	}
	if err := w.stream.Send(resp); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (h *pythonHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest,
	stream grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	tc, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return err
	}
	var stdout, stderr io.Writer = streamWriter{stream: stream}, streamWriter{stream: stream, stderr: true}
	return tc.InstallDependencies(stream.Context(), req.GetInfo().GetProgramDirectory(),
		req.GetUseLanguageVersionTools(), true /*showOutput*/, stdout, stderr)
}

func (h *pythonHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	tc, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return nil, err
	}
	info, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{
		Executable: info.PythonExecutable,
		Version:    info.PythonVersion.String(),
		Metadata:   map[string]string{"toolchainVersion": info.ToolchainVersion.String()},
	}, nil
}

func (h *pythonHost) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	tc, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return nil, err
	}
	packages, err := tc.ListPackages(ctx, req.GetTransitiveDependencies())
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	for _, p := range packages {
		resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version})
	}
	return resp, nil
}

func (h *pythonHost) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}
