using System.Runtime.CompilerServices;
using Multiprocessing;

namespace Tour.Chapters;

/// <summary>
/// Seed: Python 中的多进程 › 进程间数据共享 › 1）使用 Array 共享数据. Five children add 100 to the first element of a
/// shared array: without a lock, as the seed does, an addition may be lost; with the array's own lock
/// (<c>get_lock()</c>), or with the atomic <c>Add</c>, the result is exactly 501.
/// </summary>
internal sealed class ProcessArray : IChapter
{
    private const int Children = 5;

    /// <summary>temp[0] starts at 1 and each child adds 100.</summary>
    private const int Expected = 1 + (Children * 100);

    /// <summary>The heavier race: each child adds 1 this many times.</summary>
    private const int Times = 1_000_000;

    public string Name => "process-array";

    public string Title => "1）使用 Array 共享数据 (sharing data with Array: five processes add 100 to one element of a shared array)";

    public void Run()
    {
        Say.Part("Array 的数据类型 (Python's type codes and the .NET element types)");
        TypeCodes();

        Say.Part("不加锁 (the seed's script: five processes do temp[0] += 100, no lock)");
        Unlocked();

        Say.Part($"不加锁, heavier: five processes each add 1 to a[0] {Times} times");
        UnlockedLoop();

        Say.Part("temp.GetLock() (Python's temp.get_lock()) around temp[0] += 100");
        Locked();

        Say.Part("temp.Add(0, 100) (atomic, no lock)");
        Atomic();

        Say.Part("Array('i', [1, 2, 3, 4], lock=lk) and lock=False: a lock of your own, or none");
        GivenLockOrNone();
    }

    private static void TypeCodes()
    {
        // The seed's table, one .NET element type per code: SharedArray.Create<T>(...), T unmanaged.
        Console.WriteLine($"{Code<byte>('c', "c_char")}, {Code<char>('u', "c_wchar")}");
        Console.WriteLine($"{Code<sbyte>('b', "c_byte")}, {Code<byte>('B', "c_ubyte")}");
        Console.WriteLine($"{Code<short>('h', "c_short")}, {Code<ushort>('H', "c_ushort")}");
        Console.WriteLine($"{Code<int>('i', "c_int")}, {Code<uint>('I', "c_uint")}");
        Console.WriteLine($"{Code<long>('l', "c_long")}, {Code<ulong>('L', "c_ulong")}");
        Console.WriteLine($"{Code<float>('f', "c_float")}, {Code<double>('d', "c_double")}");
        Console.WriteLine($"{Code<long>('q', "c_longlong")}, {Code<ulong>('Q', "c_ulonglong")}");
        Console.WriteLine("Array('i', 5) → SharedArray.Create<int>(5); Array('i', [1, 2, 3, 4]) → SharedArray.Create<int>([1, 2, 3, 4])");
        Say.Note("the type code becomes the type argument; any unmanaged type works, a struct of your own too. 'l'/'L' are C's long, 8 bytes on 64-bit Linux and macOS (long/ulong) but 4 on Windows (int/uint there). 'u' is a wchar_t, 4 bytes on Linux, where .NET's char is a 2-byte UTF-16 unit. 'c' holds one byte (Python: a bytes of length 1).");
    }

    /// <summary>One entry of the type-code table: <c>'i': ctypes.c_int → int (4 bytes)</c>.</summary>
    private static string Code<T>(char code, string ctype)
        where T : unmanaged
    {
        string name = typeof(T) == typeof(byte) ? "byte"
            : typeof(T) == typeof(sbyte) ? "sbyte"
            : typeof(T) == typeof(char) ? "char"
            : typeof(T) == typeof(short) ? "short"
            : typeof(T) == typeof(ushort) ? "ushort"
            : typeof(T) == typeof(int) ? "int"
            : typeof(T) == typeof(uint) ? "uint"
            : typeof(T) == typeof(long) ? "long"
            : typeof(T) == typeof(ulong) ? "ulong"
            : typeof(T) == typeof(float) ? "float"
            : typeof(T) == typeof(double) ? "double"
            : typeof(T).Name;
        int size = Unsafe.SizeOf<T>();
        return $"'{code}': ctypes.{ctype} → {name} ({size} {(size == 1 ? "byte" : "bytes")})";
    }

    private static void Unlocked()
    {
        // temp = Array('i', [1, 2, 3, 4]); for i in range(5): Process(target=func, args=(i, temp)).start()
        using SharedArray<int> temp = SharedArray.Create<int>([1, 2, 3, 4]);
        var children = new List<ChildProcess>();
        for (int i = 0; i < Children; i++)
        {
            children.Add(ChildProcess.Start(Func, i, temp));
        }

        // The seed does not join; the tour does, and keeps temp open in the parent until all five are done.
        foreach (ChildProcess p in children)
        {
            p.Join();
            p.Dispose();
        }

        Console.WriteLine($"temp = [{string.Join(", ", temp.AsSpan().ToArray())}]");
        if (temp[0] == Expected)
        {
            Say.Note($"{Expected} this time, but it may be less: temp[0] += 100 is a read, an add and a write, and a process that reads between another's read and write writes back a stale sum, losing that 100. Five children that start one after another seldom overlap on those few instructions; the heavier run below makes them.");
        }
        else
        {
            Say.Note($"{Expected - temp[0]} was lost: temp[0] += 100 is a read, an add and a write, and another process wrote in between.");
        }

        Say.Note("the lines come in the order the children's output reached the console, which need not be the order they ran in (the seed's own result has Process-5 before Process-4); each also reads temp[0] again to print it, after another child may have added to it. Python names the children Process-N, .NET ChildProcess-N.");
        Say.Note("Python's Array('i', ...) comes with a lock (lock=True) that guards each single read and each single write, not the read-add-write of temp[0] += 100: it races there as here. A SharedArray's elements take no lock at all.");
    }

    // def func(i, temp): temp[0] += 100; print(...)
    private static void Func(int i, SharedArray<int> temp)
    {
        _ = i;
        temp[0] += 100;
        string pname = CurrentProcess.Name;  // multiprocessing.current_process().name
        Console.WriteLine($"这里是: {pname}, 修改后的数组第一个元素: {temp[0]}");
    }

    private static void UnlockedLoop()
    {
        using SharedArray<int> a = SharedArray.Create<int>(1);

        // A child takes about 0.1 s to start and its loop a millisecond or so; to make the loops overlap, the five
        // wait for each other at a barrier (see process-sync) before they start adding.
        using SharedBarrier lineUp = SharedBarrier.Create(Children);
        var children = new List<ChildProcess>();
        for (int i = 0; i < Children; i++)
        {
            children.Add(ChildProcess.Start(AddOnes, a, lineUp));
        }

        foreach (ChildProcess p in children)
        {
            p.Join();
            p.Dispose();
        }

        const int expected = Children * Times;
        Console.WriteLine($"a[0] = {a[0]}, expected {expected}");
        if (a[0] == expected)
        {
            Say.Note("no addition was lost this time (the processes did not really run at the same time: this machine has few cores, or was busy). The race is still there; run the chapter again.");
        }
        else
        {
            Say.Note($"{expected - a[0]} additions were lost. Each run loses a different number.");
        }
    }

    private static void AddOnes(SharedArray<int> a, SharedBarrier lineUp)
    {
        lineUp.Wait();
        for (int i = 0; i < Times; i++)
        {
            a[0] += 1;
        }
    }

    private static void Locked()
    {
        using SharedArray<int> temp = SharedArray.Create<int>([1, 2, 3, 4]);
        var children = new List<ChildProcess<int>>();
        for (int i = 0; i < Children; i++)
        {
            children.Add(ChildProcess.Start(FuncLocked, i, temp));
        }

        PrintInOrder(children);
        Console.WriteLine($"temp = [{string.Join(", ", temp.AsSpan().ToArray())}]");
        Say.Note($"exactly {Expected}: the lock lets one process at a time read, add and write. GetLock() is the same recursive lock (a SharedRLock) in every process that has the array; using (temp.GetLock().Acquire()) {{ }} is Python's with temp.get_lock():.");
        Say.Note("here each child returns the value it saw and the parent prints the lines, in the order of those values, which is the order the lock let the children in: lines printed by the children themselves reach the console through each child's own pipe, in no set order.");
    }

    // with temp.get_lock(): temp[0] += 100
    private static int FuncLocked(int i, SharedArray<int> temp)
    {
        _ = i;
        using (temp.GetLock().Acquire())
        {
            temp[0] += 100;
            return temp[0];
        }
    }

    private static void Atomic()
    {
        using SharedArray<int> temp = SharedArray.Create<int>([1, 2, 3, 4]);
        var children = new List<ChildProcess<int>>();
        for (int i = 0; i < Children; i++)
        {
            children.Add(ChildProcess.Start(FuncAtomic, i, temp));
        }

        PrintInOrder(children);
        Console.WriteLine($"temp = [{string.Join(", ", temp.AsSpan().ToArray())}]");
        Say.Note($"exactly {Expected}, without a lock: Add(index, value) adds atomically and returns the new value (for int, uint, long and ulong elements; SharedValue<T>.Add likewise). It is .NET's Interlocked.Add on the shared memory; Python has no such operation on an Array.");
    }

    private static void GivenLockOrNone()
    {
        using SharedLock lk = SharedLock.Create();
        using SharedArray<int> temp = SharedArray.Create<int>([1, 2, 3, 4], lk);
        var children = new List<ChildProcess<int>>();
        for (int i = 0; i < Children; i++)
        {
            children.Add(ChildProcess.Start(FuncGuarded, i, temp));
        }

        PrintInOrder(children);
        Console.WriteLine($"temp[0] = {temp[0]} under the SharedLock given at creation");
        Say.Note("SharedArray.Create<int>([1, 2, 3, 4], lk) is Array('i', [1, 2, 3, 4], lock=lk): the given SharedLock (or SharedRLock) guards the array instead of a lock of its own, and crosses to each child with it. temp.Acquire() takes whichever lock guards the array (Python's with temp:); GetLock() returns only a recursive one.");

        using SharedArray<int> raw = SharedArray.Create<int>(4, SharedLockMode.None);
        try
        {
            raw.GetLock();
        }
        catch (InvalidOperationException e)
        {
            Console.WriteLine($"a lock-free array's GetLock(): {e.Message}");
        }

        Say.Note("SharedLockMode.None is lock=False (RawArray, RawValue): no lock at all; Python raises AttributeError on its get_lock(). The elements and the atomic Add work as before.");
    }

    // with temp: temp[0] += 100
    private static int FuncGuarded(int i, SharedArray<int> temp)
    {
        _ = i;
        using (temp.Acquire())
        {
            temp[0] += 100;
            return temp[0];
        }
    }

    private static int FuncAtomic(int i, SharedArray<int> temp)
    {
        _ = i;
        return temp.Add(0, 100);
    }

    /// <summary>Joins the children and prints the seed's line for each, in the order of the values they saw.</summary>
    private static void PrintInOrder(List<ChildProcess<int>> children)
    {
        foreach (ChildProcess<int> p in children.OrderBy(p => p.Result))
        {
            Console.WriteLine($"这里是: {p.Name}, 修改后的数组第一个元素: {p.Result}");
        }

        foreach (ChildProcess<int> p in children)
        {
            p.Dispose();
        }
    }
}
