using System.Text.Json.Serialization;

namespace Multiprocessing.DashboardServer;

/// <summary>The records the state is written from as they are (source-generated, camelCase names as the page reads them).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(SharedQueueInfo))]
internal sealed partial class StateJson : JsonSerializerContext;
