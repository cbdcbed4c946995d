using BenchmarkDotNet.Running;
using LicensePortal.Benchmarks;

BenchmarkSwitcher.FromAssembly(typeof(LicensingBenchmarks).Assembly).Run(args);
