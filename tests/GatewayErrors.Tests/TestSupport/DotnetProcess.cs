using System.Diagnostics;
using System.Text;

namespace GatewayErrors.Tests.TestSupport;

/// <summary>
/// Runs the <c>dotnet</c> CLI as a newcomer would, capturing its output for failure messages, and always ends the
/// whole process tree it started.
/// </summary>
internal sealed class DotnetProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _lock = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _watches = [];

    private DotnetProcess(Process process) => _process = process;

    /// <summary>Everything the process wrote so far, stdout and stderr interleaved as they arrived.</summary>
    public string Output
    {
        get
        {
            lock (_lock)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Runs <c>dotnet</c> to completion and throws with its output when it fails or overruns.</summary>
    public static async Task<string> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, params string[] arguments)
    {
        await using var process = Start(workingDirectory, environment, arguments);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process._process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"`{Describe(arguments)}` did not finish within {timeout.TotalSeconds:0} s. Output so far:\n{process.Output}");
        }

        if (process._process.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{Describe(arguments)}` in {workingDirectory} exited with {process._process.ExitCode}. Output:\n{process.Output}");
        }

        return process.Output;
    }

    /// <summary>Starts <c>dotnet</c> and leaves it running; dispose to end it and everything it started.</summary>
    public static DotnetProcess Start(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] arguments)
        => StartProgram(DotnetPath(), workingDirectory, environment, arguments);

    /// <summary>Starts a program of its own (a Native AOT binary) the same way, with the same clean environment.</summary>
    public static DotnetProcess StartProgram(string program, string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        var info = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // What `dotnet test` puts in the environment describes the test run's own build; a newcomer's shell has none of it.
        foreach (var key in info.Environment.Keys.ToList())
        {
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || key.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)
                || key.Equals("DOTNET_ENVIRONMENT", StringComparison.OrdinalIgnoreCase))
            {
                info.Environment.Remove(key);
            }
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        // No build servers: they outlive the command, keep its redirected output open (so waiting for it never ends)
        // and would be processes this test leaves behind.
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        info.Environment["UseSharedCompilation"] = "false";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var wrapper = new DotnetProcess(process);
        process.OutputDataReceived += (_, e) => wrapper.Append(e.Data);
        process.ErrorDataReceived += (_, e) => wrapper.Append(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Waits for a line of output that <paramref name="match"/> accepts and returns it.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            var earlier = _output.ToString().Split('\n').FirstOrDefault(match);
            if (earlier is not null)
            {
                return earlier;
            }

            _watches.Add((match, seen));
        }

        var exited = _process.WaitForExitAsync();
        var winner = await Task.WhenAny(seen.Task, exited, Task.Delay(timeout));
        if (winner == seen.Task)
        {
            return await seen.Task;
        }

        throw new TimeoutException(winner == exited
            ? $"The app exited with {_process.ExitCode} before it was ready. Output:\n{Output}"
            : $"The app was not ready within {timeout.TotalSeconds:0} s. Output so far:\n{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            // Already gone, or never started; nothing is left to end.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            _output.Append(line).Append('\n');
            foreach (var watch in _watches.Where(w => w.Match(line)).ToList())
            {
                watch.Seen.TrySetResult(line);
                _watches.Remove(watch);
            }
        }
    }

    /// <summary>The muxer running this test (set by the SDK for tools it starts), else the one on PATH.</summary>
    private static string DotnetPath() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static string Describe(string[] arguments) => "dotnet " + string.Join(' ', arguments);
}
