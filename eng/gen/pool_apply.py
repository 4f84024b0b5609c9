#!/usr/bin/env python3
"""Writes src/Multiprocessing/WorkerPool.Apply.cs: Submit, ApplyAsync and Apply for each delegate shape.
Run from the repository root after changing the template; the output is checked in."""

shapes = [
    # (arity, returns)
    (0, True), (1, True), (2, True), (3, True), (0, False), (1, False),
]
ordinal = ["the first", "the second", "the third"]

def shape(n, returns):
    targs = [f"T{i}" for i in range(1, n + 1)]
    args = [f"arg{i}" for i in range(1, n + 1)]
    if returns:
        tps = targs + ["TResult"]
        dtype = f"Func<{', '.join(tps)}>"
        fname = "function"
    else:
        tps = targs
        dtype = "Action" + (f"<{', '.join(targs)}>" if targs else "")
        fname = "action"
    generic = f"<{', '.join(tps)}>" if tps else ""
    params = [f"{dtype} {fname}"] + [f"{t} {a}" for t, a in zip(targs, args)]
    item = "WorkItems.Of(" + ", ".join([fname] + args) + ")"
    return dict(n=n, returns=returns, targs=targs, args=args, generic=generic, params=params, fname=fname,
                item=item, dtype=dtype)

def typeparam_docs(s):
    out = []
    for i, t in enumerate(s["targs"]):
        what = "the argument" if s["n"] == 1 else f"{ordinal[i]} argument"
        out.append(f'    /// <typeparam name="{t}">Type of {what}.</typeparam>')
    if s["returns"]:
        out.append('    /// <typeparam name="TResult">Type of the result.</typeparam>')
    return out

def param_docs(s):
    out = [f'    /// <param name="{s["fname"]}">What to run: a static method, a lambda or an instance method (a process pool also needs its captures and arguments to be encodable).</param>']
    for i, a in enumerate(s["args"]):
        what = "The argument" if s["n"] == 1 else f"{ordinal[i].capitalize()} argument"
        out.append(f'    /// <param name="{a}">{what}.</param>')
    return out

def what(s):
    if s["n"] == 0:
        return f'<paramref name="{s["fname"]}"/>'
    if s["n"] == 1:
        return f'<paramref name="{s["fname"]}"/>(<paramref name="arg1"/>)'
    return f'<paramref name="{s["fname"]}"/> with {s["n"]} arguments'

TOKEN = '    /// <param name="cancellationToken">Cancels the task while it waits in the queue (it then never runs). Once it runs, the delegate sees cancellation only if it captured the token itself; throwing <see cref="OperationCanceledException"/> for this token then ends the task as cancelled.</param>'
EXC_COMMON = [
    '    /// <exception cref="ArgumentNullException">{f} is null.</exception>',
    '    /// <exception cref="InvalidOperationException">The pool was closed or terminated (<see cref="ObjectDisposedException"/> once disposed; <see cref="BrokenPoolException"/> once broken).</exception>',
    '    /// <exception cref="QueueFullException">The queue is full and <see cref="PoolOptions.WhenQueueFull"/> is <see cref="QueueFullBehavior.Throw"/>.</exception>',
]

def exc(s):
    return [e.replace("{f}", f'<paramref name="{s["fname"]}"/>') for e in EXC_COMMON]

def sig_params(s, extra):
    return ", ".join(s["params"] + extra)

def task_type(s):
    return "Task<TResult>" if s["returns"] else "Task"

def item_type(s):
    return "TResult" if s["returns"] else "NoResult"

out = []
w = out.append
w("// Written by eng/gen/pool_apply.py (one template for the six delegate shapes): edit the template there and run it, not this file.")
w("using Multiprocessing.Pools;")
w("")
w("namespace Multiprocessing;")
w("")
w("public abstract partial class WorkerPool")
w("{")
for n, returns in shapes:
    s = shape(n, returns)
    f = s["fname"]
    # Submit
    w(f'    /// <summary>Queues {what(s)} and returns its task at once (Python\'s <c>executor.submit</c>).</summary>')
    out.extend(typeparam_docs(s))
    out.extend(param_docs(s))
    w(TOKEN)
    if returns:
        w(f'    /// <returns>A task that completes with the result, or fails with the delegate\'s exception, a <see cref="TimeoutException"/> (<see cref="PoolOptions.TaskTimeout"/>) or a <see cref="PoolTerminatedException"/>.</returns>')
    else:
        w(f'    /// <returns>A task that completes when the delegate returns, or fails with its exception, a <see cref="TimeoutException"/> (<see cref="PoolOptions.TaskTimeout"/>) or a <see cref="PoolTerminatedException"/>.</returns>')
    out.extend(exc(s))
    w(f'    /// <remarks>The same call as <c>ApplyAsync</c> without callbacks. When the queue is bounded and full, this waits on the calling thread for a place (<see cref="QueueFullBehavior.Wait"/>).</remarks>')
    w(f'    public {task_type(s)} Submit{s["generic"]}({sig_params(s, ["CancellationToken cancellationToken = default"])})')
    w("    {")
    w(f"        ArgumentNullException.ThrowIfNull({f});")
    w(f"        return Run({s['item']}, cancellationToken);")
    w("    }")
    w("")
    # ApplyAsync
    cbtype = "Action<TResult>?" if returns else "Action?"
    w(f'    /// <summary>Queues {what(s)} and returns its task at once (Python\'s <c>apply_async</c>), with optional callbacks.</summary>')
    out.extend(typeparam_docs(s))
    out.extend(param_docs(s))
    if returns:
        w('    /// <param name="callback">Called with the result when the task succeeds (Python\'s <c>callback</c>).</param>')
    else:
        w('    /// <param name="callback">Called when the task succeeds (Python\'s <c>callback</c>).</param>')
    w('    /// <param name="errorCallback">Called with the exception when the task fails, times out, is terminated or is cancelled (Python\'s <c>error_callback</c>).</param>')
    w(TOKEN)
    w(f'    /// <returns>A task that completes after the callback has returned: with the {"result" if returns else "delegate"}{", " if returns else ", "}or failing as <c>Submit</c>\'s would. If a callback throws, the task fails with the callback\'s exception.</returns>')
    out.extend(exc(s))
    w('    /// <remarks>Callbacks run on a .NET thread-pool thread as soon as the task ends; keep them short. When the queue is bounded and full, this waits on the calling thread for a place.</remarks>')
    w(f'    public {task_type(s)} ApplyAsync{s["generic"]}({sig_params(s, [f"{cbtype} callback = null", "Action<Exception>? errorCallback = null", "CancellationToken cancellationToken = default"])})')
    w("    {")
    w(f"        {'Task<TResult>' if returns else 'Task<NoResult>'} task = {'Submit' if returns else 'SubmitVoid'}({', '.join([f] + s['args'] + ['cancellationToken'])});")
    w("        return callback is null && errorCallback is null ? task : WithCallbacks(task, callback, errorCallback);")
    w("    }")
    w("")
    # Apply
    w(f'    /// <summary>Runs {what(s)} on a worker and waits for it (Python\'s <c>apply</c>).</summary>')
    out.extend(typeparam_docs(s))
    out.extend(param_docs(s))
    w('    /// <param name="cancellationToken">Cancels the call while it waits in the queue; see <c>Submit</c>.</param>')
    if returns:
        w('    /// <returns>The result.</returns>')
    out.extend(exc(s))
    w('    /// <exception cref="TimeoutException">The task ran longer than <see cref="PoolOptions.TaskTimeout"/>.</exception>')
    w('    /// <exception cref="PoolTerminatedException">The pool was terminated before the task finished.</exception>')
    w('    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the task started.</exception>')
    w('    /// <remarks>The delegate\'s own exception is thrown as itself. Called on one of this pool\'s workers while every other worker is busy, this waits for ever, as in Python.</remarks>')
    ret = "TResult" if returns else "void"
    w(f'    public {ret} Apply{s["generic"]}({sig_params(s, ["CancellationToken cancellationToken = default"])})')
    w(f"        => {'Submit' if returns else 'SubmitVoid'}({', '.join([f] + s['args'] + ['cancellationToken'])}).GetAwaiter().GetResult();")
    w("")
    if not returns:
        # SubmitVoid: the typed task for Action shapes
        w(f'    private Task<NoResult> SubmitVoid{s["generic"]}({sig_params(s, ["CancellationToken cancellationToken"])})')
        w("    {")
        w(f"        ArgumentNullException.ThrowIfNull({f});")
        w(f"        return Run({s['item']}, cancellationToken);")
        w("    }")
        w("")
# fix Submit for Action shapes to go through SubmitVoid
w("    private static async Task<TResult> WithCallbacks<TResult>(Task<TResult> task, Action<TResult>? callback, Action<Exception>? errorCallback)")
w("    {")
w("        TResult result;")
w("        try")
w("        {")
w("            result = await task.ConfigureAwait(false);")
w("        }")
w("        catch (Exception e) when (errorCallback is not null)")
w("        {")
w("            errorCallback(e);")
w("            throw;")
w("        }")
w("")
w("        callback?.Invoke(result);")
w("        return result;")
w("    }")
w("")
w("    private static async Task WithCallbacks(Task<NoResult> task, Action? callback, Action<Exception>? errorCallback)")
w("    {")
w("        try")
w("        {")
w("            await task.ConfigureAwait(false);")
w("        }")
w("        catch (Exception e) when (errorCallback is not null)")
w("        {")
w("            errorCallback(e);")
w("            throw;")
w("        }")
w("")
w("        callback?.Invoke();")
w("    }")
w("}")
text = "\n".join(out) + "\n"
# Action-shaped Submit returns the NoResult task as a Task, through SubmitVoid.
text = text.replace("        return Run(WorkItems.Of(action), cancellationToken);\n    }\n\n    /// <summary>Queues <paramref name=\"action\"/> and returns its task at once (Python's <c>apply_async</c>)",
                    "        return SubmitVoid(action, cancellationToken);\n    }\n\n    /// <summary>Queues <paramref name=\"action\"/> and returns its task at once (Python's <c>apply_async</c>)", 1)
text = text.replace("        return Run(WorkItems.Of(action, arg1), cancellationToken);\n    }\n\n    /// <summary>Queues <paramref name=\"action\"/>(<paramref name=\"arg1\"/>) and returns its task at once (Python's <c>apply_async</c>)",
                    "        return SubmitVoid(action, arg1, cancellationToken);\n    }\n\n    /// <summary>Queues <paramref name=\"action\"/>(<paramref name=\"arg1\"/>) and returns its task at once (Python's <c>apply_async</c>)", 1)
open("src/Multiprocessing/WorkerPool.Apply.cs", "w").write(text)
