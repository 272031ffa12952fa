namespace GatewayErrors.Tests.TestSupport;

/// <summary>A fresh content root with an empty <c>templates</c> folder, deleted on dispose.</summary>
internal sealed class TempContentRoot : IDisposable
{
    public TempContentRoot()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "gwe-pages-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(System.IO.Path.Combine(Path, "templates"));
    }

    public string Path { get; }

    /// <summary>Writes <paramref name="text"/> to <c>templates/<paramref name="name"/></c>, creating subfolders.</summary>
    public void Write(string name, string text)
    {
        var file = System.IO.Path.Combine(Path, "templates", name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A watcher may still hold the folder for a moment; the OS temp folder is cleaned eventually.
        }
    }
}
