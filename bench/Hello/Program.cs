Console.WriteLine("Hello, World!");

// W14 (worker_memory): given an argument, also this process's peak resident memory, the kernel's VmHWM line (read
// with a plain loop, not LINQ, so as not to load more than a hello world needs).
if (args.Length > 0)
{
    foreach (string line in File.ReadLines("/proc/self/status"))
    {
        if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
        {
            Console.WriteLine(line);
        }
    }
}
