using System.Text.Json.Nodes;
using Dash = Multiprocessing.Dashboard;

namespace Multiprocessing.Tests.Dashboard;

public sealed partial class DashboardTests
{
    [Fact]
    public async Task ApiState_ListsAnOpenQueue_WithTheFieldsThePageReads()
    {
        using SharedQueue<int> queue = SharedQueue.Create<int>();
        queue.Put(1);
        queue.Put(2);
        queue.Put(3);
        using var dash = Dash.Start(new DashboardOptions { Pools = [] });
        JsonNode state = await GetState(dash);
        SharedQueueInfo info = LiveObjects.Queues().Single(q => q.Name == queue.Name);
        JsonObject shown = state["queues"]!.AsArray().Single(q => (string?)q!["name"] == queue.Name)!.AsObject();

        // The names dashboard.js reads, and nothing else: the page and the state agree on them.
        Assert.Equal(["name", "itemType", "count", "bytes", "capacity", "overflowItems", "overflowBytes"], shown.Select(p => p.Key));
        Assert.Equal(info.ItemType, (string?)shown["itemType"]);
        Assert.Equal(3, (long)shown["count"]!);
        Assert.Equal(info.Bytes, (long)shown["bytes"]!);
        Assert.Equal(info.Capacity, (long)shown["capacity"]!);
        Assert.Equal(info.OverflowItems, (long)shown["overflowItems"]!);
        Assert.Equal(info.OverflowBytes, (long)shown["overflowBytes"]!);
    }
}
