using System.Diagnostics;
using System.Text;

namespace MFuser.TestSupport;

/// <summary>The built <c>mfuser-edge</c> executable run as a child process (exit code, stdout, stderr), with a
/// clean environment for <c>MFUSER_*</c> variables and the status line off.</summary>
public sealed class EdgeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    public static string Executable => Path.Combine(AppContext.BaseDirectory, "mfuser-edge");

    private EdgeProcess(IEnumerable<string> args, IReadOnlyDictionary<string, string>? env, string? workingDirectory)
    {
        var psi = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepoPaths.Root,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("MFUSER_", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(key);
        psi.Environment["MFUSER_RUN_STATUS_LINE"] = "off";
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
            psi.Environment[k] = v;
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { lock (_stdout) _stdout.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_stderr) _stderr.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <param name="workingDirectory">Default: the repository root.</param>
    public static EdgeProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null, string? workingDirectory = null) =>
        new(args, env, workingDirectory);

    /// <summary>Runs to completion (killed after <paramref name="timeoutS"/> seconds, which fails the test).</summary>
    public static async Task<EdgeProcess> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null, int timeoutS = 60,
        string? workingDirectory = null)
    {
        var p = Start(args, env, workingDirectory);
        await p.WaitAsync(TimeSpan.FromSeconds(timeoutS));
        return p;
    }

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }
    public int ExitCode => _process.ExitCode;
    public bool HasExited => _process.HasExited;

    /// <summary>The process id (to find the daemon's own child processes under /proc).</summary>
    public int Id => _process.Id;

    public async Task WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            _process.WaitForExit(); // flushes the redirected streams
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"mfuser-edge did not exit within {timeout.TotalSeconds} s.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
    }

    /// <summary>Sends SIGTERM (what systemd and Ctrl-C do) and waits for the clean exit.</summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
            Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();
        await WaitAsync(timeout);
    }

    /// <summary>Waits until stdout contains <paramref name="text"/>; fails when the process exits first or the time is up.</summary>
    public Task WaitForOutputAsync(string text, TimeSpan timeout) =>
        WaitForOutputAsync(line => line.Contains(text, StringComparison.Ordinal), text, timeout);

    /// <summary>Waits until a stdout line matches <paramref name="line"/> (<paramref name="what"/> describes it).</summary>
    public async Task WaitForOutputAsync(Func<string, bool> line, string what, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (!Stdout.Split('\n').Any(line))
        {
            if (HasExited || waited.Elapsed > timeout)
                throw new TimeoutException($"{what} not seen in mfuser-edge's output within {timeout.TotalSeconds} s\n{this}");
            await Task.Delay(100);
        }
    }

    /// <summary>Sends SIGKILL (a crash or power loss as far as the process can tell) and waits for it to be gone.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public override string ToString() => $"exit {(_process.HasExited ? _process.ExitCode : -1)}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
