using System.Runtime.Versioning;
using Multiprocessing.Tests.Support;

namespace Multiprocessing.Tests.Sharing;

/// <summary>SharedMemory: one block seen by several processes, its file in /dev/shm, and its lifetime.</summary>
[SupportedOSPlatform("linux")]
public sealed class SharedMemoryTests
{
    [Fact]
    public void Child_ReadsWhatParentWroteAndParentSeesItsChange()
    {
        using var shm = SharedMemory.Create(1024);
        shm.Span[0] = 42;
        shm.Span[1023] = 7;

        using ChildProcess<int> child = ChildProcess.Start(static (SharedMemory m) =>
        {
            int seen = (m.Span[0] * 1000) + m.Span[1023];
            m.Span[0]++;
            m.GetSpan(10, 3).Fill(9);
            return seen;
        }, shm);

        Assert.Equal(42_007, child.ResultOrFail());
        Assert.Equal(43, shm.Span[0]);
        Assert.Equal([0, 9, 9, 9, 0], shm.GetSpan(9, 5).ToArray());
    }

    [Fact]
    public void Open_ByNameInChild_SeesSameSizeAndBytes()
    {
        string name = ShmFiles.NewName("open");
        using var shm = SharedMemory.Create(100, name);
        Assert.Equal(name, shm.Name);
        Assert.Equal(100, shm.Size);
        "hello"u8.CopyTo(shm.Span);

        using ChildProcess<string> child = ChildProcess.Start(static (string n) =>
        {
            using SharedMemory m = SharedMemory.Open(n);
            string text = System.Text.Encoding.UTF8.GetString(m.Span[..5]);
            "HELLO"u8.CopyTo(m.Span);
            return $"{m.Name}|{m.Size}|{text}";
        }, name);

        Assert.Equal($"{name}|100|hello", child.ResultOrFail());
        Assert.Equal("HELLO", System.Text.Encoding.UTF8.GetString(shm.Span[..5]));
    }

    [Fact]
    public void File_IsUnderDevShmWithPrefixAndPermissions0600()
    {
        string name = ShmFiles.NewName("perm");
        using var shm = SharedMemory.Create(10, name);
        string path = ShmFiles.PathOf(name);

        Assert.True(File.Exists(path), $"{path} should exist");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(64 + 10, new FileInfo(path).Length); // the 64-byte header, then the payload
    }

    [Fact]
    public void File_OfEveryKind_HasPermissions0600()
    {
        using var lk = SharedLock.Create();
        using var rl = SharedRLock.Create();
        using var sem = SharedSemaphore.Create();
        using var ev = SharedEvent.Create();
        using var cond = SharedCondition.Create();
        using var barrier = SharedBarrier.Create(2);
        using var array = SharedArray.Create<int>(3);
        using var value = SharedValue.Create(1L);

        foreach (string name in new[] { lk.Name, rl.Name, sem.Name, ev.Name, cond.Name, barrier.Name, array.Name, value.Name })
        {
            string path = ShmFiles.PathOf(name);
            Assert.True(File.Exists(path), $"{path} should exist");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void Name_StartingWithPrefix_IsUsedAsItIs()
    {
        string name = ShmFiles.Prefix + Guid.NewGuid().ToString("N");
        using var shm = SharedMemory.Create(8, name);

        Assert.True(File.Exists(Path.Combine(ShmFiles.Directory, name)));
        Assert.False(File.Exists(Path.Combine(ShmFiles.Directory, ShmFiles.Prefix + name)));
    }

    [Fact]
    public void NullName_GetsAFreshNameThatOpens()
    {
        using var a = SharedMemory.Create(8);
        using var b = SharedMemory.Create(8);

        Assert.NotEqual(a.Name, b.Name);
        Assert.True(File.Exists(ShmFiles.PathOf(a.Name)));
        using SharedMemory again = SharedMemory.Open(a.Name);
        a.Span[3] = 5;
        Assert.Equal(5, again.Span[3]);
    }

    [Fact]
    public void LongOddName_IsHashedToOneOfOurFilesAndStillOpensInChild()
    {
        string name = "odd name/with:slashes, spaces and ünïcødé " + Guid.NewGuid() + new string('x', 300);
        HashSet<string> before = ShmFiles.List();
        string created;
        byte[] marker = Guid.NewGuid().ToByteArray();
        using (var shm = SharedMemory.Create(16, name))
        {
            marker.CopyTo(shm.Span);
            created = Assert.Single(ShmFiles.List().Except(before), p => HasPayload(p, marker));
            Assert.StartsWith(Path.Combine(ShmFiles.Directory, ShmFiles.Prefix), created, StringComparison.Ordinal);
            Assert.DoesNotContain(' ', Path.GetFileName(created));
            Assert.Equal(name, shm.Name);

            using ChildProcess<string> child = ChildProcess.Start(static (string n) =>
            {
                using SharedMemory m = SharedMemory.Open(n);
                return $"{m.Size}|{Convert.ToHexString(m.Span)}";
            }, name);
            Assert.Equal($"16|{Convert.ToHexString(marker)}", child.ResultOrFail());
        }

        Assert.False(File.Exists(created));
    }

    [Fact]
    public void Unlink_RemovesNameAtOnce_HoldersKeepUsingIt()
    {
        string name = ShmFiles.NewName("unlink");
        string path = ShmFiles.PathOf(name);
        using var shm = SharedMemory.Create(8, name);
        using var ready = SharedEvent.Create();
        using var go = SharedEvent.Create();
        using ChildProcess<int> child = ChildProcess.Start(static (string n, SharedEvent r, SharedEvent g) =>
        {
            using SharedMemory m = SharedMemory.Open(n);
            r.Set();
            g.Wait(Within.Deadline);
            m.Span[1] = 11; // still the same memory as the parent's
            return (int)m.Span[0];
        }, name, ready, go);
        Handoff.WaitReady(ready, child);

        shm.Unlink();

        Assert.False(File.Exists(path));
        Assert.Throws<FileNotFoundException>(() => SharedMemory.Open(name));
        shm.Span[0] = 77;
        go.Set();
        Assert.Equal(77, child.ResultOrFail());
        Assert.Equal(11, shm.Span[1]);
        FileNotFoundException again = Assert.Throws<FileNotFoundException>(shm.Unlink); // as Python's FileNotFoundError
        Assert.Contains(name, again.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unlink_AfterAnotherProcessUnlinkedIt_ThrowsFileNotFoundAndLeavesTheNewSegmentOfTheName()
    {
        string name = ShmFiles.NewName("unlinked-elsewhere");
        using var shm = SharedMemory.Create(8, name);
        using ChildProcess unlinker = ChildProcess.Start(static (SharedMemory m) => m.Unlink(), shm);
        unlinker.JoinOrFail();
        Assert.Equal(0, unlinker.ExitCode);
        using var fresh = SharedMemory.Create(8, name);

        Assert.Throws<FileNotFoundException>(shm.Unlink);

        Assert.True(File.Exists(ShmFiles.PathOf(name)), "the new segment of that name is left alone");
    }

    [Fact]
    public void Unlink_FreesTheNameForANewSegment()
    {
        string name = ShmFiles.NewName("reuse");
        using var old = SharedMemory.Create(8, name);
        old.Span[0] = 1;
        old.Unlink();

        using var fresh = SharedMemory.Create(8, name);
        fresh.Span[0] = 2;
        using SharedMemory opened = SharedMemory.Open(name);

        Assert.Equal(2, opened.Span[0]);
        Assert.Equal(1, old.Span[0]);
    }

    [Fact]
    public void Dispose_OfUnlinkedSegment_LeavesNewSegmentOfSameNameAlone()
    {
        string name = ShmFiles.NewName("reuse-dispose");
        var old = SharedMemory.Create(8, name);
        old.Unlink();
        using var fresh = SharedMemory.Create(8, name);
        fresh.Span[0] = 2;

        old.Dispose();

        Assert.True(File.Exists(ShmFiles.PathOf(name)));
        using SharedMemory opened = SharedMemory.Open(name);
        Assert.Equal(2, opened.Span[0]);
    }

    [Fact]
    public void Dispose_ByLastUser_RemovesFile()
    {
        string name = ShmFiles.NewName("last");
        string path = ShmFiles.PathOf(name);
        var shm = SharedMemory.Create(8, name);
        try
        {
            // A child opens and closes it: the parent still has it, so it stays.
            using ChildProcess<bool> child = ChildProcess.Start(static (string n) =>
            {
                SharedMemory.Open(n).Dispose();
                return File.Exists(ShmFiles.PathOf(n));
            }, name);
            Assert.True(child.ResultOrFail());
            Assert.True(File.Exists(path));
        }
        finally
        {
            shm.Dispose();
        }

        Assert.False(File.Exists(path));
        Assert.Throws<FileNotFoundException>(() => SharedMemory.Open(name));
        shm.Dispose(); // a second dispose is harmless
    }

    [Fact]
    public void Dispose_ByCreatorWhileChildHoldsIt_KeepsFileUntilChildCloses()
    {
        string name = ShmFiles.NewName("creator-closes");
        string path = ShmFiles.PathOf(name);
        using var ready = SharedEvent.Create();
        using var go = SharedEvent.Create();
        var shm = SharedMemory.Create(8, name);
        using ChildProcess<string> child = ChildProcess.Start(static (string n, SharedEvent r, SharedEvent g) =>
        {
            var m = SharedMemory.Open(n);
            r.Set();
            g.Wait(Within.Deadline);
            byte seen = m.Span[0];
            m.Dispose();
            return $"{seen}|{File.Exists(ShmFiles.PathOf(n))}";
        }, name, ready, go);
        try
        {
            Handoff.WaitReady(ready, child);
            shm.Span[0] = 5;
            shm.Dispose();

            Assert.True(File.Exists(path), "the child still has it open");
            using (SharedMemory reopened = SharedMemory.Open(name))
            {
                Assert.Equal(5, reopened.Span[0]);
            }

            Assert.True(File.Exists(path), "the child still has it open");
            go.Set();

            Assert.Equal("5|False", child.ResultOrFail()); // the child was the last user: its Dispose removed it
            Assert.False(File.Exists(path));
        }
        finally
        {
            shm.Dispose();
        }
    }

    [Fact]
    public void Open_SomethingOfAnotherKind_ThrowsInvalidData()
    {
        using var shm = SharedMemory.Create(8);
        using var lk = SharedLock.Create();
        using var rl = SharedRLock.Create();
        using var sem = SharedSemaphore.Create();
        using var ev = SharedEvent.Create();
        using var cond = SharedCondition.Create();
        using var barrier = SharedBarrier.Create(2);
        using var ints = SharedArray.Create<int>(4);

        Assert.Throws<InvalidDataException>(() => SharedMemory.Open(lk.Name));
        Assert.Throws<InvalidDataException>(() => SharedMemory.Open(ints.Name));
        Assert.Throws<InvalidDataException>(() => SharedLock.Open(shm.Name));
        Assert.Throws<InvalidDataException>(() => SharedLock.Open(rl.Name));
        Assert.Throws<InvalidDataException>(() => SharedRLock.Open(lk.Name));
        Assert.Throws<InvalidDataException>(() => SharedSemaphore.Open(ev.Name));
        Assert.Throws<InvalidDataException>(() => SharedEvent.Open(sem.Name));
        Assert.Throws<InvalidDataException>(() => SharedCondition.Open(barrier.Name));
        Assert.Throws<InvalidDataException>(() => SharedBarrier.Open(cond.Name));
        Assert.Throws<InvalidDataException>(() => SharedArray.Open<int>(shm.Name));
        Assert.Throws<InvalidDataException>(() => SharedValue.Open<int>(lk.Name));
        Assert.Throws<InvalidDataException>(() => SharedArray.Open<double>(ints.Name));
        Assert.Throws<InvalidDataException>(() => SharedArray.Open<uint>(ints.Name));
        Assert.Throws<InvalidDataException>(() => SharedValue.Open<long>(ints.Name));
    }

    [Fact]
    public void Open_FileThatIsNotOurs_ThrowsInvalidData()
    {
        string name = ShmFiles.NewName("foreign");
        string path = ShmFiles.PathOf(name);
        File.WriteAllBytes(path, new byte[128]);
        try
        {
            Assert.Throws<InvalidDataException>(() => SharedMemory.Open(name));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Open_MissingName_ThrowsFileNotFoundForEveryKind()
    {
        string name = ShmFiles.NewName("missing");

        Assert.Throws<FileNotFoundException>(() => SharedMemory.Open(name));
        Assert.Throws<FileNotFoundException>(() => SharedLock.Open(name));
        Assert.Throws<FileNotFoundException>(() => SharedRLock.Open(name));
        Assert.Throws<FileNotFoundException>(() => SharedSemaphore.Open(name));
        Assert.Throws<FileNotFoundException>(() => SharedEvent.Open(name));
        Assert.Throws<FileNotFoundException>(() => SharedCondition.Open(name));
        Assert.Throws<FileNotFoundException>(() => SharedBarrier.Open(name));
        Assert.Throws<FileNotFoundException>(() => SharedArray.Open<int>(name));
        Assert.Throws<FileNotFoundException>(() => SharedValue.Open<int>(name));
        Assert.False(File.Exists(ShmFiles.PathOf(name)));
    }

    [Fact]
    public void Create_ExistingName_ThrowsIOExceptionForEveryKind()
    {
        string name = ShmFiles.NewName("dup");
        using var shm = SharedMemory.Create(8, name);
        shm.Span[0] = 3;

        Assert.Throws<IOException>(() => SharedMemory.Create(8, name));
        Assert.Throws<IOException>(() => SharedLock.Create(name));
        Assert.Throws<IOException>(() => SharedRLock.Create(name));
        Assert.Throws<IOException>(() => SharedSemaphore.Create(1, null, name));
        Assert.Throws<IOException>(() => SharedEvent.Create(false, name));
        Assert.Throws<IOException>(() => SharedCondition.Create((SharedRLock?)null, name));
        Assert.Throws<IOException>(() => SharedBarrier.Create(2, null, name));
        Assert.Throws<IOException>(() => SharedArray.Create<int>(2, name));
        Assert.Throws<IOException>(() => SharedValue.Create(1, name));

        // The failed creations left the existing segment as it was.
        using SharedMemory opened = SharedMemory.Open(name);
        Assert.Equal(3, opened.Span[0]);
        Assert.Equal(8, opened.Size);
    }

    [Fact]
    public void Create_ExistingNameInChild_ThrowsIOException()
    {
        using var shm = SharedMemory.Create(8);
        using ChildProcess child = ChildProcess.Start(static (string n) => { SharedMemory.Create(8, n).Dispose(); }, shm.Name);

        Handoff.ThrewRemotely<IOException>(child);
    }

    [Fact]
    public void SizeAndSpans_CheckTheirBounds()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedMemory.Create(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SharedMemory.Create(0)); // as Python's ValueError

        using var shm = SharedMemory.Create(16);
        Assert.Equal(16, shm.Span.Length);
        Assert.Equal(4, shm.GetSpan(12, 4).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => shm.GetSpan(13, 4).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => shm.GetSpan(-1, 1).Length);
    }

    [Fact]
    public void Span_AfterDispose_ThrowsObjectDisposed()
    {
        var shm = SharedMemory.Create(16);
        shm.Dispose();

        Assert.Throws<ObjectDisposedException>(() => shm.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => shm.GetSpan(0, 1).Length);
    }

    [Fact]
    public async Task ChildKilledWhileItHasSegmentOpen_FileIsRemovedByTracker()
    {
        string name = ShmFiles.NewName("killed-creator");
        string path = ShmFiles.PathOf(name);
        using var ready = SharedEvent.Create();
        using ChildProcess child = ChildProcess.Start(static (string n, SharedEvent r) =>
        {
            SharedMemory m = SharedMemory.Create(4096, n);
            m.Span[0] = 1;
            r.Set();
            Thread.Sleep(Timeout.Infinite); // holds it open until killed
        }, name, ready);
        try
        {
            Handoff.WaitReady(ready, child);
            Assert.True(File.Exists(path));

            child.Kill();
            child.JoinOrFail();
            Assert.Equal(-9, child.ExitCode);

            Assert.True(await ShmFiles.WaitUntilGoneAsync(path), $"{path} was left behind by a killed child");
            Assert.Throws<FileNotFoundException>(() => SharedMemory.Open(name));
        }
        finally
        {
            child.Kill();
        }
    }

    [Fact]
    public async Task CreatorKilledWhileAnotherChildHoldsIt_FileStaysUntilHolderIsKilled()
    {
        string name = ShmFiles.NewName("killed-both");
        string path = ShmFiles.PathOf(name);
        using var created = SharedEvent.Create();
        using var opened = SharedEvent.Create();
        using var children = new ChildGroup();
        ChildProcess creator = children.Add(ChildProcess.Start(static (string n, SharedEvent r) =>
        {
            SharedMemory m = SharedMemory.Create(64, n);
            m.Span[0] = 21;
            r.Set();
            Thread.Sleep(Timeout.Infinite);
        }, name, created));
        Handoff.WaitReady(created, creator);
        ChildProcess holder = children.Add(ChildProcess.Start(ChildBodies.HoldSegmentUntilKilled, name, opened));
        Handoff.WaitReady(opened, holder);

        creator.Kill();
        creator.JoinOrFail();

        // The holder still has it: it is there, with the dead creator's data.
        Assert.True(File.Exists(path));
        using (SharedMemory m = SharedMemory.Open(name))
        {
            Assert.Equal(21, m.Span[0]);
        }

        Assert.True(File.Exists(path), "closing it here must not remove it while the holder has it");

        holder.Kill();
        holder.JoinOrFail();

        Assert.True(await ShmFiles.WaitUntilGoneAsync(path), $"{path} was left behind once its last holder was killed");
    }

    [Fact]
    public void UnlinkedSegment_HolderKilled_LeavesNothing()
    {
        string name = ShmFiles.NewName("unlinked-killed");
        using var ready = SharedEvent.Create();
        using var shm = SharedMemory.Create(8, name);
        using ChildProcess holder = ChildProcess.Start(ChildBodies.HoldSegmentUntilKilled, name, ready);
        Handoff.WaitReady(ready, holder);

        shm.Unlink();
        holder.Kill();
        holder.JoinOrFail();

        Assert.False(File.Exists(ShmFiles.PathOf(name)));
        Assert.Throws<FileNotFoundException>(() => SharedMemory.Open(name));
    }

    /// <summary>True if the segment file at <paramref name="path"/> holds <paramref name="payload"/> after its 64-byte header.</summary>
    private static bool HasPayload(string path, byte[] payload)
    {
        try
        {
            byte[] bytes = File.ReadAllBytes(path);
            return bytes.Length == 64 + payload.Length && bytes.AsSpan(64).SequenceEqual(payload);
        }
        catch (IOException)
        {
            return false; // another test's segment, removed meanwhile
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
