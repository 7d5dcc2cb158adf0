using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Xunit;

namespace EventActors.Host.Tests;

/// <summary>The token subcommand, run as an operator runs it, and its tokens against a real host.</summary>
public sealed class TokenCommandTests(AuthHost host) : IClassFixture<AuthHost>
{
    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(HostProcess.HostAssemblyPath());
        start.ArgumentList.Add("token");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, (await output).Trim(), await error);
    }

    [Fact]
    public async Task A_printed_token_carries_its_grants_and_opens_a_stream()
    {
        var topic = $"m{Guid.NewGuid():N}.a";
        var (exit, token, error) = await RunAsync("--subscribe", $"{topic[..topic.IndexOf('.')]}.*", "--publish", "news.*", "--admin", "--ttl", "1h", "--sub", "ops",
            $"--EventActors:Auth:SigningKey={AuthHost.Key}", $"--EventActors:Auth:Issuer={AuthHost.Issuer}", $"--EventActors:Auth:Audience={AuthHost.Audience}");
        Assert.True(exit == 0, error);

        var payload = JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(token.Split('.')[1])).RootElement;
        Assert.Equal("ops", payload.GetProperty("sub").GetString());
        Assert.True(payload.GetProperty("eventactors").GetProperty("admin").GetBoolean());
        Assert.Equal("news.*", payload.GetProperty("eventactors").GetProperty("publish")[0].GetString());

        var (status, response) = await host.SendAsync(AuthHost.Request(HttpMethod.Get, $"/topics/{topic}/stream", token));
        response.Dispose();
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Without_a_signing_key_the_token_command_refuses_clearly()
    {
        var (exit, output, error) = await RunAsync("--subscribe", "news.*");
        Assert.NotEqual(0, exit);
        Assert.Empty(output);
        Assert.Contains("EventActors:Auth:SigningKey", error);
    }
}
