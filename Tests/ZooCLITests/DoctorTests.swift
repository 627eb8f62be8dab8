// `zoo doctor`'s report: its JSON keys, and the kernel verdict on real and made-up CPUs.
import Foundation
import Testing
import ZooCore
@testable import ZooCLI

@Test func doctorJSONHasTheExpectedKeys() throws {
    let report = DoctorReport.gather(probe: false)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
    #expect(Set(object.keys).isSuperset(of: ["system", "verdict", "sgemmProbeSize"]))
    let system = try #require(object["system"] as? [String: Any])
    #expect(Set(system.keys).isSuperset(of: ["openBLAS", "cpu", "hdf5Version", "libpngVersion", "swiftVersion",
                                             "operatingSystem", "memoryGiB", "mallocTuning"]))
    let blas = try #require(system["openBLAS"] as? [String: Any])
    #expect(Set(blas.keys) == ["library", "kernel", "config", "threads", "coreType", "coreTypeSource",
                               "recommendedKernel"])
    #expect(["user", "zoo", "none"].contains(blas["coreTypeSource"] as? String ?? ""))
    let cpu = try #require(system["cpu"] as? [String: Any])
    #expect(Set(cpu.keys) == ["vendor", "model", "features", "cores"])
    let verdict = try #require(object["verdict"] as? [String: Any])
    #expect(["ok", "warning", "error"].contains(verdict["level"] as? String ?? ""))
    #expect(object["sgemmProbeGFLOPS"] == nil)  // skipped with probe: false
}

@Test func doctorReportsRealLibraryVersions() throws {
    let system = SystemInfo.current()
    #expect(system.hdf5Version.hasPrefix("1."))
    #expect(system.libpngVersion.hasPrefix("1.6"))
    #expect(system.cpu.cores >= 1)
    // A cpuid-derived recommendation never names a kernel the CPU cannot run.
    let blas = try #require(system.openBLAS, "OpenBLAS is not loaded")
    let tier = try #require(OpenBLASKernelTier(kernel: blas.recommendedKernel), "unknown kernel \(blas.recommendedKernel)")
    #expect(Set(tier.requiredFeatures).isSubset(of: Set(system.cpu.features)))
}

@Test func doctorTextEndsWithTheVerdict() {
    let text = DoctorReport.gather(probe: false).text()
    #expect(text.contains("OpenBLAS kernel") || text.contains("NOT LOADED"))
    #expect(text.split(separator: "\n").last?.hasPrefix("verdict: ") == true)
}

func blas(kernel: String, coreType: String, source: String, recommended: String) -> OpenBLASInfo {
    OpenBLASInfo(library: "libopenblas.so.0", kernel: kernel, config: "", threads: 2, coreType: coreType,
                 coreTypeSource: source, recommendedKernel: recommended)
}

@Test func verdictOnKernelChoices() {
    let avx2 = ["avx", "fma", "avx2"]
    let avx512 = avx2 + ["avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl"]
    #expect(KernelVerdict.judge(blas(kernel: "Zen", coreType: "Zen", source: "zoo", recommended: "Zen"),
                                features: avx2).level == "ok")
    // Prescott on an AVX2 CPU: correct but slow.
    let slow = KernelVerdict.judge(blas(kernel: "Prescott", coreType: "", source: "none", recommended: "Zen"),
                                   features: avx2)
    #expect(slow.level == "warning" && slow.message.contains("Prescott"))
    // Haswell on an AVX-512 machine leaves speed on the table.
    #expect(KernelVerdict.judge(blas(kernel: "Haswell", coreType: "Haswell", source: "user", recommended: "SkylakeX"),
                                features: avx512).level == "warning")
    // A user-forced AVX-512 kernel on a CPU without AVX-512 would die with SIGILL.
    let forced = KernelVerdict.judge(blas(kernel: "SkylakeX", coreType: "SkylakeX", source: "user", recommended: "Zen"),
                                     features: avx2)
    #expect(forced.level == "error" && forced.message.contains("avx512f"))
    #expect(KernelVerdict.judge(nil, features: avx2).level == "error")
}

@Test func kernelTiers() {
    #expect(OpenBLASKernelTier(kernel: "SKYLAKEX") == .avx512)
    #expect(OpenBLASKernelTier(kernel: "Zen") == .avx2)
    #expect(OpenBLASKernelTier(kernel: "Prescott") == .sse)
    #expect(OpenBLASKernelTier(kernel: "NoSuchCore") == nil)
    #expect(OpenBLASKernelTier.best(for: ["avx", "fma", "avx2"]) == .avx2)
    #expect(OpenBLASKernelTier.best(for: ["avx", "avx2"]) == .avx)  // AVX2 kernels need FMA too
    #expect(OpenBLASKernelTier.best(for: []) == .sse)
}

/// The environment variables that stop zoo from tuning malloc (the list in Sources/CSupport/zoo_malloc.c).
private func mallocUserTuned(_ env: [String: String]) -> Bool {
    ["MALLOC_MMAP_MAX_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_ARENA_MAX"]
        .contains { env[$0] != nil } || (env["GLIBC_TUNABLES"]?.contains("glibc.malloc.") ?? false)
}

@Test func mallocTuningAppliesWhenTheProgramAsksUnlessTheUserTunedIt() {
    let env = ProcessInfo.processInfo.environment
    // Linking ZooCore changes nothing (this test process never asked)...
    #expect(SystemInfo.current().mallocTuning == "glibc defaults (the program did not ask zoo to tune malloc)")
    // ...until the program calls tuneMalloc(), as the zoo executable does at start.
    SystemInfo.tuneMalloc()
    let state = SystemInfo.current().mallocTuning
    if env["ZOO_MALLOC"] == "default" {
        #expect(state == "glibc defaults (ZOO_MALLOC=default)")
    } else if mallocUserTuned(env) {
        #expect(state.hasPrefix("as the user set it"))
    } else {
        #expect(state.hasPrefix("tuned by zoo"))
        // And it takes effect: a 16 MiB buffer (above glibc's first mmap threshold, 128 KiB) comes from the
        // heap, not from a mapping of its own. (This test may run on a worker thread, whose malloc arena
        // still maps requests above its 64 MiB heap size; the training loop allocates on the main thread.)
        let before = SystemInfo.mallocMappedBytes()
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 4 << 20)
        buffer.update(repeating: 1, count: 4 << 20)
        #expect(SystemInfo.mallocMappedBytes() == before)
        buffer.deallocate()
    }
}

@Test func mallocTuningLeavesTheUsersSettingsAlone() throws {
    let executable = builtZooExecutable.path
    try #require(FileManager.default.isExecutableFile(atPath: executable),
                 "\(executable) is missing: build it with swift build --build-tests")
    func tuning(_ extra: [String: String]) throws -> String {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("MALLOC_") && $0.key != "ZOO_MALLOC" }
        env["GLIBC_TUNABLES"] = nil
        env.merge(extra) { $1 }
        let data = try runProgram(executable, ["doctor", "--json", "--no-probe"], environment: env,
                                  what: "zoo doctor").stdout
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let system = try #require(object["system"] as? [String: Any])
        return try #require(system["mallocTuning"] as? String)
    }
    #expect(try tuning([:]).hasPrefix("tuned by zoo"))
    #expect(try tuning(["MALLOC_TRIM_THRESHOLD_": "131072"]).hasPrefix("as the user set it"))
    #expect(try tuning(["GLIBC_TUNABLES": "glibc.malloc.mmap_max=4"]).hasPrefix("as the user set it"))
    #expect(try tuning(["ZOO_MALLOC": "default"]) == "glibc defaults (ZOO_MALLOC=default)")
}
