using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Multiprocessing.Interop;

namespace Multiprocessing.Tests.Interop;

/// <summary>
/// Each architecture's table holds the kernel's own numbers, read from its uapi headers (the Debian packages that
/// .ci/run installs), and the process uses the table of its architecture.
/// </summary>
public sealed partial class SyscallTableTests
{
    /// <summary>x86-64's table: its own, generated from arch/x86/entry/syscalls/syscall_64.tbl.</summary>
    private const string X64Header = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h";
    private const string X64Package = "linux-libc-dev";

    /// <summary>arm64's asm/unistd.h only includes the generic table (include/uapi/asm-generic/unistd.h).</summary>
    private const string Arm64Header = "/usr/aarch64-linux-gnu/include/asm/unistd.h";
    private const string Arm64GenericHeader = "/usr/aarch64-linux-gnu/include/asm-generic/unistd.h";
    private const string Arm64Package = "linux-libc-dev-arm64-cross";

    [Fact]
    public void X64Table_HoldsTheNumbersOfTheKernelsX64Header()
    {
        AssertMatches(SyscallTable.X64, Defines(Read(X64Header, X64Package)));
    }

    [Fact]
    public void Arm64Table_HoldsTheNumbersOfTheKernelsArm64Header()
    {
        // The table to check is the generic one only if arm64's header takes it, as it always has.
        Assert.Matches(@"(?m)^#include <asm-generic/unistd\.h>", Read(Arm64Header, Arm64Package));
        AssertMatches(SyscallTable.Arm64, Defines(Read(Arm64GenericHeader, Arm64Package)));
    }

    [Fact]
    public void Arm64Table_DiffersFromX64_WhereIssue16SaysItDoes()
    {
        // The bug this table fixed: 202 is futex on x86-64 and accept on arm64.
        Assert.Equal(98, SyscallTable.Arm64.Futex);
        Assert.Equal(202, SyscallTable.X64.Futex);
        Assert.Equal(202, Defines(Read(Arm64GenericHeader, Arm64Package))["accept"]);
    }

    [Fact]
    public void TheProcess_UsesTheTableOfItsArchitecture()
    {
        SyscallTable table = SyscallTable.For(RuntimeInformation.ProcessArchitecture)
            ?? throw new Xunit.Sdk.XunitException($"no table for {RuntimeInformation.ProcessArchitecture}, where the tests run");

        Assert.Equal(RuntimeInformation.ProcessArchitecture, SyscallNumbers.Architecture);
        Assert.Equal(table.Architecture, SyscallNumbers.Architecture);
        Assert.Equal(table.Futex, SyscallNumbers.Futex);
        Assert.Equal(table.FutexWaitv, SyscallNumbers.FutexWaitv);
        Assert.Equal(table.PidfdOpen, SyscallNumbers.PidfdOpen);
        Assert.Equal(table.PidfdSendSignal, SyscallNumbers.PidfdSendSignal);
        Assert.Equal(
            Numbers(table).Select(n => n.Kernel),
            typeof(SyscallNumbers).GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.FieldType == typeof(long)).Select(f => KernelName(f.Name)).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(Architecture.X86)]
    [InlineData(Architecture.Arm)]
    [InlineData(Architecture.RiscV64)]
    [InlineData(Architecture.LoongArch64)]
    [InlineData(Architecture.S390x)]
    [InlineData(Architecture.Ppc64le)]
    public void AnotherArchitecture_HasNoTable_AndIsRefusedByName(Architecture architecture)
    {
        Assert.Null(SyscallTable.For(architecture));

        PlatformNotSupportedException e = SyscallNumbers.Unsupported(architecture);
        Assert.Contains(architecture.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Contains("X64 and Arm64", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingNumber_IsRefusedAtTheCall_WithThisArchitectureNamed()
    {
        // On an architecture without a table every number is -1, and the call that would use it throws this.
        var e = Assert.Throws<PlatformNotSupportedException>(() => SyscallNumbers.Checked(-1));
        Assert.Contains(RuntimeInformation.ProcessArchitecture.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Equal(SyscallNumbers.Futex, SyscallNumbers.Checked(SyscallNumbers.Futex));
    }

    private static void AssertMatches(SyscallTable table, Dictionary<string, long> kernel)
    {
        var wrong = new StringBuilder();
        foreach ((string property, string name, long ours) in Numbers(table))
        {
            if (!kernel.TryGetValue(name, out long theirs))
            {
                wrong.AppendLine($"{table.Architecture}: the header defines no __NR_{name} (the table's {property})");
            }
            else if (theirs != ours)
            {
                wrong.AppendLine($"{table.Architecture}: {property} is {ours}, the kernel's __NR_{name} is {theirs}");
            }
        }

        Assert.True(wrong.Length == 0, wrong.ToString());
    }

    /// <summary>Every number of the table (each long property), with the kernel's name for it.</summary>
    private static IEnumerable<(string Property, string Kernel, long Number)> Numbers(SyscallTable table) =>
        typeof(SyscallTable).GetProperties()
            .Where(p => p.PropertyType == typeof(long))
            .Select(p => (p.Name, KernelName(p.Name), (long)p.GetValue(table)!))
            .OrderBy(n => n.Item2, StringComparer.Ordinal);

    /// <summary>PidfdSendSignal → pidfd_send_signal.</summary>
    private static string KernelName(string property) => UpperCase().Replace(property, m => (m.Index > 0 ? "_" : "") + m.Value.ToLowerInvariant());

    /// <summary>The <c>#define __NR_name number</c> lines of a header; a name defined twice fails the test.</summary>
    private static Dictionary<string, long> Defines(string header)
    {
        var defines = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (Match m in Define().Matches(header))
        {
            string name = m.Groups[1].Value;
            long number = long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(defines.TryAdd(name, number), $"__NR_{name} is defined twice; the header needs a real preprocessor");
        }

        Assert.True(defines.Count > 250, $"only {defines.Count} system calls found: not a syscall table");
        return defines;
    }

    private static string Read(string path, string package) =>
        File.Exists(path)
            ? File.ReadAllText(path)
            : throw new Xunit.Sdk.XunitException(
                $"{path} is missing, so the syscall table cannot be checked against the kernel's numbers. It comes with " +
                $"the Debian package {package}, which .ci/run installs (as root: apt-get install {package}).");

    [GeneratedRegex(@"(?m)^#define __NR_(\w+)\s+(\d+)\s*$")]
    private static partial Regex Define();

    [GeneratedRegex("[A-Z]")]
    private static partial Regex UpperCase();
}
