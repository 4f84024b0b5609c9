namespace Tour.Chapters;

/// <summary>
/// Seed: Python 中的多线程 › 线程锁 › 3）事件 Event. A traffic light: the lighter sets and clears an event, three cars pass
/// while it is set, stop when it is clear and all go at once when it is set again.
/// </summary>
internal sealed class EventTrafficLight : IChapter
{
    /// <summary>green_time = 5, red_time = 5; a car takes 1 s to pass.</summary>
    private static readonly TimeSpan GreenTime = TimeSpan.FromSeconds(5.0 / Say.TimeScale);

    private static readonly TimeSpan RedTime = TimeSpan.FromSeconds(5.0 / Say.TimeScale);

    private static readonly TimeSpan PassTime = TimeSpan.FromSeconds(1.0 / Say.TimeScale);

    /// <summary>The seed's light cycles forever; the tour's stops after this many green-red cycles.</summary>
    private const int Cycles = 2;

    // The seed prints \33[32;0m, which turns green on and at once off again (32, then 0): it means green, shows nothing.
    private static readonly bool Colour = !Console.IsOutputRedirected;

    public string Name => "event-traffic-light";

    public string Title => "3）事件 Event (a traffic light: every car waiting at the red goes at once on the green)";

    public void Run()
    {
        Say.Note($"sleeps are scaled down {Say.TimeScale}×: green 0.5 s, red 0.5 s, a car passes in 0.1 s. The light runs {Cycles} cycles, not forever.");

        // event = threading.Event(): not set, a red light.
        using var light = new ManualResetEventSlim();
        using var roadClosed = new CancellationTokenSource();

        var lighter = new Thread(() => Lighter(light, roadClosed));
        lighter.Start();

        // The seed starts its cars right away, and a car may come before the first green. The tour waits for it.
        light.Wait();

        var cars = new List<Thread>();
        foreach (string name in (string[])["奔驰", "宝马", "奥迪"])
        {
            var car = new Thread(() => Car(name, light, roadClosed.Token));
            car.Start();
            cars.Add(car);
        }

        lighter.Join();
        foreach (Thread car in cars)
        {
            car.Join();
        }

        Say.Note($"after {Cycles} cycles the tour's lighter ends at a red, with every car waiting, and cancels their wait: ManualResetEventSlim.Wait(CancellationToken) throws OperationCanceledException, and the cars leave. The seed's threads never end (its light has no off switch).");
        Say.Note("Event's set()/clear()/wait()/is_set() are ManualResetEventSlim's Set()/Reset()/Wait()/IsSet. Set() lets every waiting thread go at once (一次性放行所有); an AutoResetEvent would let one through per Set().");
    }

    private static string Green(string text) => Colour ? $"\u001b[32m{text}\u001b[0m" : text;

    private static string Red(string text) => Colour ? $"\u001b[31m{text}\u001b[0m" : text;

    // def lighter(): ...
    private static void Lighter(ManualResetEventSlim light, CancellationTokenSource roadClosed)
    {
        for (int cycle = 0; cycle < Cycles; cycle++)
        {
            // The seed sets the event, then prints; the tour prints first, so that no car can go before the line.
            Console.WriteLine(Green("绿灯亮..."));
            light.Set();
            Thread.Sleep(GreenTime);
            light.Reset();
            Console.WriteLine(Red("红灯亮..."));
            Thread.Sleep(RedTime);
        }

        roadClosed.Cancel();
    }

    // def run(name): ...
    private static void Car(string name, ManualResetEventSlim light, CancellationToken roadClosed)
    {
        try
        {
            while (!roadClosed.IsCancellationRequested)
            {
                if (light.IsSet)  // 判断当前是否"放行"状态
                {
                    Console.WriteLine($"一辆[{name}] 呼啸开过...");
                    Thread.Sleep(PassTime);
                }
                else
                {
                    Console.WriteLine($"一辆[{name}]开来，看到红灯，无奈的停下了...");
                    light.Wait(roadClosed);
                    Console.WriteLine($"[{name}] 看到绿灯亮了，瞬间飞起.....");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The road is closed: the tour's end, not the seed's.
        }
    }
}
