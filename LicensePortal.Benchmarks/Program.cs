using BenchmarkDotNet.Running;
using LicensePortal.Benchmarks;
using LicensePortal.Benchmarks.Agent;
using LicensePortal.Benchmarks.Export;
using LicensePortal.Benchmarks.Live;

// `live-pages ...` measures live updates with many real browser pages (docs/performance.md, issue 5);
// `live-pages-server ...` is the portal node it starts as a child process; `agent-license ...` issues the license
// agent-cold-start.sh installs; `audit-export ...` measures the CSV export's stream. Anything else goes to BenchmarkDotNet.
return args.FirstOrDefault() switch
{
    LivePagesCommand.Name => await LivePagesCommand.RunAsync(args[1..]),
    LivePagesServer.Name => await LivePagesServer.RunAsync(args[1..]),
    AgentLicenseCommand.Name => AgentLicenseCommand.Run(args[1..]),
    AuditExportCommand.Name => await AuditExportCommand.RunAsync(args[1..]),
    _ => Run(args),
};

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(LicensingBenchmarks).Assembly).Run(args);
    return 0;
}
