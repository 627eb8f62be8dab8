// Facts about this machine and the native libraries the zoo loaded, for `zoo doctor` and benchmark reports.

import CBLAS
import CSupport
import CHDF5
import CPNG
import Foundation
import ZooTensor

/// What OpenBLAS loaded and how its compute kernel was chosen (see Sources/CBLAS/include/zoo_blas.h).
public struct OpenBLASInfo: Codable, Sendable, Equatable {
    /// The shared library file that was opened (e.g. "libopenblas.so.0").
    public var library: String
    /// The kernel OpenBLAS runs, from `openblas_get_corename()` (e.g. "Zen", "SkylakeX", "Prescott").
    public var kernel: String
    /// OpenBLAS's build configuration string (`openblas_get_config()`).
    public var config: String
    /// Threads one large sgemm is split over (`BLAS.threadCount`: zoo's own split of C's rows; OpenBLAS
    /// itself always runs one thread).
    public var threads: Int
    /// OPENBLAS_CORETYPE in force when the library loaded ("" when unset).
    public var coreType: String
    /// Who set OPENBLAS_CORETYPE: "user" (set before zoo ran), "zoo" (chosen from cpuid) or "none".
    public var coreTypeSource: String
    /// The kernel family zoo chooses for this CPU from cpuid alone ("" when none fits).
    public var recommendedKernel: String

    /// Creates the record (SystemInfo.current() fills it from the loaded library).
    public init(library: String, kernel: String, config: String, threads: Int, coreType: String,
                coreTypeSource: String, recommendedKernel: String) {
        self.library = library
        self.kernel = kernel
        self.config = config
        self.threads = threads
        self.coreType = coreType
        self.coreTypeSource = coreTypeSource
        self.recommendedKernel = recommendedKernel
    }
}

/// The CPU as cpuid and /proc/cpuinfo describe it.
public struct CPUInfo: Codable, Sendable, Equatable {
    /// cpuid vendor string ("GenuineIntel", "AuthenticAMD").
    public var vendor: String
    /// The "model name" line of /proc/cpuinfo ("" when unavailable).
    public var model: String
    /// SIMD features found with cpuid and enabled by the OS (the basis of the kernel choice).
    public var features: [String]
    /// Cores available to this process.
    public var cores: Int
}

/// A snapshot of the machine and the native libraries, gathered without printing anything.
public struct SystemInfo: Codable, Sendable, Equatable {
    /// OpenBLAS facts, or nil when it could not be loaded (see `openBLASError`).
    public var openBLAS: OpenBLASInfo?
    /// Why OpenBLAS could not be loaded (nil when it loaded).
    public var openBLASError: String?
    /// The CPU.
    public var cpu: CPUInfo
    /// HDF5 library version at run time ("1.10.8").
    public var hdf5Version: String
    /// libpng version at run time ("1.6.39").
    public var libpngVersion: String
    /// The Swift compiler that built zoo.
    public var swiftVersion: String
    /// Operating system (PRETTY_NAME from /etc/os-release, else Foundation's description).
    public var operatingSystem: String
    /// Physical memory in GiB.
    public var memoryGiB: Double
    /// How malloc serves large buffers (Sources/CBLAS/zoo_malloc.c): tuned by zoo, as the user set it, or
    /// glibc's defaults.
    public var mallocTuning: String

    /// Gathers the snapshot. Loads OpenBLAS if it is not loaded yet; never traps when it is missing.
    public static func current() -> SystemInfo {
        let loaded = zoo_blas_load() == 0
        let blas: OpenBLASInfo? = loaded ? OpenBLASInfo(
            library: BLAS.library, kernel: BLAS.coreName,
            config: BLAS.config.trimmingCharacters(in: .whitespaces), threads: BLAS.threadCount,
            coreType: BLAS.coreType, coreTypeSource: BLAS.coreTypeSource,
            recommendedKernel: BLAS.recommendedCoreType) : nil
        let cpu = CPUInfo(vendor: BLAS.cpuVendor, model: procField("/proc/cpuinfo", "model name") ?? "",
                          features: BLAS.cpuFeatures, cores: Parallel.coreCount)
        return SystemInfo(
            openBLAS: blas, openBLASError: loaded ? nil : String(cString: zoo_blas_error()),
            cpu: cpu, hdf5Version: hdf5Version(), libpngVersion: libpngVersion(),
            swiftVersion: compilerVersion, operatingSystem: operatingSystemName(),
            memoryGiB: Double(ProcessInfo.processInfo.physicalMemory) / Double(1 << 30),
            mallocTuning: String(cString: zoo_malloc_tuning()))
    }

    /// Bytes malloc holds in separately mapped blocks now (0 where glibc's mallinfo2 is missing). With zoo's
    /// malloc tuning (see `mallocTuning`) large buffers come from the heap instead, and this stays flat.
    public static func mallocMappedBytes() -> Int { Int(zoo_malloc_mapped_bytes()) }

    /// Applies zoo's malloc settings for tensor workloads (large buffers reused from the heap instead of
    /// fresh mappings; Sources/CSupport/zoo_malloc.c says why), unless the user tuned malloc or set
    /// ZOO_MALLOC=default. Programs call it once at start, before large allocations; the `zoo` executable
    /// does. A program that only links ZooCore keeps glibc's defaults.
    public static func tuneMalloc() { zoo_malloc_tune() }

    /// What is wrong with zoo's environment variables (`ZOO_THREADS`), one message each; empty when nothing.
    public static func environmentProblems(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        do { _ = try Parallel.threadSetting(environment["ZOO_THREADS"]) } catch { return ["\(error)"] }
        return []
    }

    /// Programs call this at start: an invalid setting stops the program (exit status 2) with its message,
    /// before any work, instead of being ignored.
    public static func exitOnInvalidEnvironment() {
        let problems = environmentProblems()
        guard !problems.isEmpty else { return }
        FileHandle.standardError.write(Data(problems.map { "Error: \($0)\n" }.joined().utf8))
        exit(2)
    }

    /// HDF5's run-time version from `H5get_libversion`.
    public static func hdf5Version() -> String {
        hdf5Begin()
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        guard H5get_libversion(&major, &minor, &release) >= 0 else { return "unknown" }
        return "\(major).\(minor).\(release)"
    }

    /// libpng's run-time version from `png_access_version_number` (e.g. 10639 → "1.6.39"), with the
    /// header version zoo was compiled against when the two differ.
    public static func libpngVersion() -> String {
        let number = Int(png_access_version_number())
        let runtime = "\(number / 10000).\(number / 100 % 100).\(number % 100)"
        let header = String(cString: zoo_png_version_string())
        return header == runtime ? runtime : "\(runtime) (built against \(header))"
    }

    /// The compiler version, fixed at build time.
    public static var compilerVersion: String {
        #if compiler(>=6.4)
        return "Swift 6.4 or later"
        #elseif compiler(>=6.3)
        return "Swift 6.3"
        #elseif compiler(>=6.2)
        return "Swift 6.2"
        #elseif compiler(>=6.1)
        return "Swift 6.1"
        #else
        return "Swift 6.0"
        #endif
    }

    static func operatingSystemName() -> String {
        if let text = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
                return line.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return ProcessInfo.processInfo.operatingSystemVersionString
    }

    /// The value of the first `key: value` line for `key` in a /proc file.
    static func procField(_ path: String, _ key: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == key {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}

/// The user's home folder: `$HOME` when set, else the password database's entry. (Foundation's
/// `homeDirectoryForCurrentUser` skips `$HOME` on Linux.) The data cache and the weights folder live under it.
package func homeDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
    environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
}
