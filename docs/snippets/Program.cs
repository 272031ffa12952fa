// The doc snippets are compiled, never run: each file holds the C# shown in one doc page, in #region blocks that
// build/CheckDocSnippets.cs compares with the markdown on every build.
Console.WriteLine("GatewayErrors doc snippets: compiled to keep the docs honest; there is nothing to run.");
