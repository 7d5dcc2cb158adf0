using Xunit;

namespace EventActors.Host.Tests.Configuration;

/// <summary>
/// Tests that set the process's environment variables run in this collection, alone: another
/// test building a host meanwhile, or starting a host process (which inherits the environment),
/// would read them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "Process environment";
}
