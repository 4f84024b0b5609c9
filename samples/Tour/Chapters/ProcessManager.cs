using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using Multiprocessing;

namespace Tour.Chapters;

/// <summary>
/// Seed: Python 中的多进程 › 进程间数据共享 › 2）使用 Manager 共享数据. Ten processes, one after another, each set
/// <c>dic["num"]</c> in a dictionary held by a manager process and print its items; then atomic increments from two
/// processes at once, and a manager on loopback TCP that refuses a wrong key.
/// </summary>
internal sealed class ProcessManager : IChapter
{
    public string Name => "process-manager";

    public string Title => "2）使用 Manager 共享数据 (sharing data through a Manager: ten processes set an entry of one dictionary)";

    public void Run()
    {
        Say.Part("the seed's script: dic = Manager().dict(); ten processes each do dic[\"num\"] = 100 + i");
        SeedScript();

        Say.Part("two processes add 1 to dic[\"count\"] 500 times each, with the atomic Increment");
        Increments();

        Say.Part("a manager on TCP (127.0.0.1), with an auth key");
        OverTcp();
    }

    private static void SeedScript()
    {
        // dic = Manager().dict()
        using Manager manager = Manager.Start();
        using ManagedDictionary<string, int> dic = manager.Dictionary<string, int>();
        for (int i = 0; i < 10; i++)
        {
            // p = Process(target=func, args=(i, dic)); p.start(); p.join()
            using ChildProcess p = ChildProcess.Start(Func, i, dic);
            p.Join();
        }

        Say.Note("the dictionary lives in the manager's process (manager.Process, a daemon child); each child gets a proxy, which connects to the manager with its auth key and sends it every operation. Leaving the using block stops the manager and its objects.");
    }

    // def func(i, dic): dic["num"] = 100 + i; print(dic.items())
    private static void Func(int i, ManagedDictionary<string, int> dic)
    {
        dic["num"] = 100 + i;
        Console.WriteLine($"[{string.Join(", ", dic.Snapshot().Select(e => $"('{e.Key}', {e.Value})"))}]");
    }

    private static void Increments()
    {
        using Manager manager = Manager.Start();
        using ManagedDictionary<string, int> dic = manager.Dictionary<string, int>();
        using ChildProcess a = ChildProcess.Start(AddOnes, dic);
        using ChildProcess b = ChildProcess.Start(AddOnes, dic);
        a.Join();
        b.Join();
        Console.WriteLine($"dic[\"count\"] = {dic["count"]}");
        Say.Note("exactly 1000: Increment is one operation in the manager. dic[\"count\"] += 1 would be two (a get, then a set) and lose updates, in Python as here; GetOrAdd, TryAdd and TryUpdate (compare-and-set) are the other atomic operations.");
    }

    private static void AddOnes(ManagedDictionary<string, int> dic)
    {
        for (int i = 0; i < 500; i++)
        {
            dic.Increment("count");
        }
    }

    private static void OverTcp()
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        using Manager manager = Manager.Start(new ManagerOptions { Address = new IPEndPoint(IPAddress.Loopback, 0), AuthKey = key });
        Console.WriteLine($"the manager listens at {manager.Address}");
        using ManagedDictionary<string, string> dic = manager.Dictionary<string, string>();
        using (ChildProcess p = ChildProcess.Start(static (ManagedDictionary<string, string> d) => d["hello"] = $"from {CurrentProcess.Name}", dic))
        {
            p.Join();
        }

        Console.WriteLine($"dic[\"hello\"] = {dic["hello"]}");

        // BaseManager(address=..., authkey=...).connect() from any process that has the address and the key
        using (Manager.Connect(manager.Address, key))
        {
            Console.WriteLine("Manager.Connect with the right key: connected");
        }

        try
        {
            using Manager intruder = Manager.Connect(manager.Address, RandomNumberGenerator.GetBytes(32));
        }
        catch (AuthenticationException e)
        {
            Console.WriteLine($"Manager.Connect with another key threw AuthenticationException: {e.Message}");
        }

        Say.Note("every connection proves it has the key (HMAC challenges both ways) before the manager decodes anything. The key is not encryption: on a network, the messages cross in the clear.");
    }
}
