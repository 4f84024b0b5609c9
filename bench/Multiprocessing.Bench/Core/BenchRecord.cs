using System.Text.Json.Nodes;

namespace Multiprocessing.Bench.Core;

/// <summary>One measured metric; serialized as <c>{"workload":...,"metric":...,"value":...,"unit":...,"params":{...}}</c>, the Python script's schema.</summary>
internal sealed record BenchRecord(string Workload, string Metric, double Value, string Unit, JsonObject Params);
