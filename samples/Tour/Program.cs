using Multiprocessing;

var p = ChildProcess.Start((int i) => Console.WriteLine($"这里是: {CurrentProcess.Name}, 父进程 id: {CurrentProcess.ParentId}, 当前子进程 id: {CurrentProcess.Id}, i={i}"), 7);
p.Join();
Console.WriteLine($"exit {p.ExitCode}");
int captured = 5;
var q = ChildProcess.Start(() => captured * 2);
Console.WriteLine($"result {q.Result}");
