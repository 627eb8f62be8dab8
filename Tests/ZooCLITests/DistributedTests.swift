// `zoo train --distributed` under a real `mpirun -np 2` on loopback, with the built executable: two ranks
// end with the weights of one process on the same global batches, rank 0's checkpoint resumes in a
// single process, an error on the ranks names the rank, and a rank killed mid-training ends the job
// within seconds while the run folder keeps only loadable checkpoints.
//
// Open MPI comes from scripts/install-deps.sh (openmpi-bin, libopenmpi-dev); without mpirun these tests
// fail and say so. As root (CI), mpirun needs OMPI_ALLOW_RUN_AS_ROOT and its confirmation, set here.
import Foundation
import Testing
@testable import ZooCore

/// mpirun's path, or a failed requirement that says how to install it.
private func mpirun() throws -> String {
    let found = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }
    return try #require(found, "mpirun not found: run scripts/install-deps.sh (it installs openmpi-bin libopenmpi-dev)")
}

/// The command line that starts `ranks` ranks of the built zoo on this host over loopback TCP.
private func mpiCommand(_ ranks: Int, _ arguments: String) throws -> String {
    "\(try mpirun()) -np \(ranks) --oversubscribe --bind-to none --mca btl self,tcp --mca btl_tcp_if_include lo "
        + "--mca oob_tcp_if_include lo \"$ZOO\" \(arguments)"
}

private struct Finished {
    var status: Int32
    var output: String
    var seconds: Double
}

/// Starts `/bin/bash -c script` with ZOO, one thread per process and mpirun's root permission set.
private func start(_ script: String, output: Pipe) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", script]
    var environment = ProcessInfo.processInfo.environment
    environment["ZOO"] = builtZooExecutable.path
    environment["ZOO_THREADS"] = "1"
    environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
    environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    process.environment = environment
    process.standardOutput = output
    process.standardError = output
    try process.run()
    return process
}

private func shell(_ script: String) throws -> Finished {
    let pipe = Pipe()
    let began = Date()
    let process = try start(script, output: pipe)
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return Finished(status: process.terminationStatus, output: text, seconds: Date().timeIntervalSince(began))
}

/// How far checkpoint `a`'s parameters are from the reference `b`'s: the largest relative difference
/// ‖a − b‖₂ / ‖b‖₂ over the tensors, leaving out the tensors whose gradient is rounding noise in `b`'s run (Adam's √v at most
/// 1e-4 of the model's largest): a conv bias right before a GroupNorm or instance norm is removed by the
/// normalisation, so its gradient is ~1e-10 and Adam's g/√v turns that noise into full-size steps, whose
/// signs change with any change of summation order (1 thread against 2 moves them as much as 2 ranks do).
private func parameterDifference(_ a: String, _ b: String) throws -> (worst: Double, leftOut: [String], leftOutShare: Double) {
    let x = try Checkpoint.read(from: a), y = try Checkpoint.read(from: b)
    #expect(x.step == y.step)
    #expect(Set(x.parameters.keys) == Set(y.parameters.keys))
    var rms: [String: Float] = [:]
    for state in y.optimizers.values {
        for (name, slots) in state.slots { if let v = slots["exp_avg_sq"] { rms[name] = v.scalars.max().map { $0.squareRoot() } } }
    }
    let largest = rms.values.max() ?? 0
    var worst = 0.0, leftOut: [String] = [], leftOutCount = 0, total = 0
    for (name, p) in x.parameters {
        guard let q = y.parameters[name] else { continue }
        #expect(p.shape == q.shape, "\(name)")
        total += q.count
        if let r = rms[name], r <= 1e-4 * largest { leftOut.append(name); leftOutCount += q.count; continue }
        let scale = q.scalars.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let diff = zip(p.scalars, q.scalars).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
        worst = max(worst, scale > 0 ? diff / scale : diff)
    }
    return (worst, leftOut.sorted(), Double(leftOutCount) / Double(max(total, 1)))
}

private func requireBuilt() throws {
    try #require(FileManager.default.isExecutableFile(atPath: builtZooExecutable.path),
                 "build the executable first: swift build --build-tests")
}

@Suite(.serialized) struct Distributed {

    /// The final evaluation's sampling is shared: with 16 test clips in batches of 8, rank 0 predicts one
    /// batch and rank 1 the other (rank 0 reports half the generated frames of one process), and the
    /// scores equal one process's on the same weights (the runs' weights differ by ≤ 1e-5, so the scores
    /// agree to 1e-4).
    @Test func evaluationIsSharedOverTheRanks() throws {
        try requireBuilt()
        let w = try ShapesWorkspace(prefix: "zoo-mpi-eval", testCount: 16, testFrames: 8)
        defer { w.remove() }
        let common = "train retrogan --preset tiny --data \(w.store) --batch-size 4 --steps 3 --eval-every 0 --quiet --json"
        func evaluation(_ finished: Finished) throws -> EvaluationResult {
            let lines = finished.output.components(separatedBy: "\n")     // the report is pretty-printed JSON
            let first = try #require(lines.firstIndex(of: "{"), "\(finished.output)")
            let last = try #require(lines.lastIndex(of: "}"), "\(finished.output)")
            let text = lines[first...last].joined(separator: "\n")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            let e = try #require(object["evaluation"], "no evaluation in \(text)")
            return try JSONDecoder().decode(EvaluationResult.self, from: try JSONSerialization.data(withJSONObject: e))
        }
        let single = try shell("\"$ZOO\" \(common) --out \(w.file("single"))")
        try #require(single.status == 0, "\(single.output)")
        let ranks = try shell(try mpiCommand(2, "\(common) --distributed --out \(w.file("ranks"))"))
        try #require(ranks.status == 0, "\(ranks.output)")
        let one = try evaluation(single), two = try evaluation(ranks)
        #expect(one.clips == 16 && two.clips == 16)
        #expect(one.generatedFrames == 16 * 3 && two.generatedFrames == 8 * 3, "rank 0 predicted only its batch")
        #expect(one.metrics.map(\.name) == two.metrics.map(\.name))
        for (a, b) in zip(two.metrics, one.metrics) {
            #expect(abs(a.mean - b.mean) <= 1e-4 * max(abs(b.mean), 1), "\(a.name): \(a.mean) on 2 ranks, \(b.mean) in one process")
        }
    }
    /// rvd (GroupNorm) and retrogan (instance norm, both optimizer groups): 5 steps on 2 ranks equal 5
    /// steps of one process on the same global batches of 4 clips (max relative difference ≤ 1e-5), and a
    /// 2-rank run stopped at step 3 resumes in one process to the same weights.
    @Test(arguments: ["rvd", "retrogan"])
    func twoRanksEqualOneProcessAndResumeInOne(model: String) throws {
        try requireBuilt()
        let w = try ShapesWorkspace(prefix: "zoo-mpi", testCount: 2, testFrames: 8)
        defer { w.remove() }
        let common = "train \(model) --preset tiny --data \(w.store) --batch-size 4 --eval-every 0 --quiet"
        let single = try shell("\"$ZOO\" \(common) --steps 5 --out \(w.file("single"))")
        try #require(single.status == 0, "\(single.output)")
        let ranks = try shell(try mpiCommand(2, "\(common) --steps 5 --distributed --out \(w.file("ranks"))"))
        try #require(ranks.status == 0, "\(ranks.output)")
        let difference = try parameterDifference(w.file("ranks/last.h5"), w.file("single/last.h5"))
        #expect(difference.worst <= 1e-5, "2 ranks vs 1 process: max relative difference \(difference.worst)")
        // The tensors left out are few (rvd: 15 biases of 8 elements).
        #expect(difference.leftOutShare < 0.01, "left out: \(difference.leftOut)")
        print("\(model): 2 ranks vs 1 process: max relative difference \(difference.worst); left out "
              + "\(difference.leftOut.count) tensors (\(difference.leftOutShare * 100)% of the elements)")
        // The 2-rank run logs the losses of the single one (averaged over the ranks).
        let logs = try [w.file("ranks/metrics.csv"), w.file("single/metrics.csv")].map { path in
            try CSVLog.read(path: path).filter { $0.name == (model == "rvd" ? "loss" : "loss_G") }.map(\.value)
        }
        #expect(logs[0].count == 5 && logs[1].count == 5)
        #expect(zip(logs[0], logs[1]).allSatisfy { abs($0 - $1) <= 1e-4 * max(abs($1), 1e-3) }, "\(logs)")

        let part = try shell(try mpiCommand(2, "\(common) --steps 3 --distributed --out \(w.file("resumed"))"))
        try #require(part.status == 0, "\(part.output)")
        let rest = try shell("\"$ZOO\" train \(model) --resume --steps 5 --quiet --out \(w.file("resumed"))")
        try #require(rest.status == 0, "\(rest.output)")
        let resumed = try parameterDifference(w.file("resumed/last.h5"), w.file("single/last.h5"))
        #expect(resumed.worst <= 1e-5, "2 ranks to step 3, then 1 process to 5, vs 1 process: \(resumed.worst)")
        #expect(resumed.leftOutShare < 0.01, "left out: \(resumed.leftOut)")
        print("\(model): resumed vs 1 process: max relative difference \(resumed.worst)")
    }

    /// MPI is opened at run time: the executable does not link libmpi (so it runs where Open MPI is
    /// missing), and `zoo doctor` reports the Open MPI that the tests' setup installed.
    @Test func mpiIsLoadedAtRunTimeAndDoctorReportsIt() throws {
        try requireBuilt()
        let ldd = try shell("ldd \"$ZOO\"")
        #expect(ldd.status == 0 && ldd.output.contains("libc.so") && !ldd.output.contains("libmpi"), "\(ldd.output)")
        let doctor = try shell("\"$ZOO\" doctor --no-probe --json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(doctor.output.utf8)) as? [String: Any])
        #expect(object["mpiAvailable"] as? Bool == true, "\(object["mpi"] ?? "no mpi key")")
        #expect((object["mpi"] as? String)?.hasPrefix("Open MPI v") == true)
        let text = try shell("\"$ZOO\" doctor --no-probe")
        #expect(text.output.contains("zoo train --distributed runs under mpirun"), "\(text.output)")
    }

    /// Without Open MPI (ZOO_MPI=off stands in for a machine without it): doctor says zoo trains
    /// single-process, --distributed stops with a message naming what is missing, and plain training runs.
    @Test func withoutMPIZooTrainsSingleProcess() throws {
        try requireBuilt()
        let w = try ShapesWorkspace(prefix: "zoo-nompi")
        defer { w.remove() }
        let doctor = try shell("ZOO_MPI=off \"$ZOO\" doctor --no-probe")
        #expect(doctor.output.contains("not loaded (ZOO_MPI=off); zoo trains single-process only"), "\(doctor.output)")
        let refused = try shell("ZOO_MPI=off \"$ZOO\" train rvd --preset tiny --data \(w.store) --steps 1 --distributed "
                                + "--quiet --out \(w.file("refused"))")
        #expect(refused.status != 0 && refused.output.contains("--distributed needs Open MPI, which is not loaded (ZOO_MPI=off)"),
                "\(refused.output)")
        let plain = try shell("ZOO_MPI=off \"$ZOO\" train rvd --preset tiny --data \(w.store) --steps 1 --eval-every 0 "
                              + "--quiet --out \(w.file("plain"))")
        #expect(plain.status == 0, "\(plain.output)")
    }

    /// An error on the ranks (a batch that does not split over them) ends the job, naming the rank.
    @Test func anErrorNamesTheRank() throws {
        try requireBuilt()
        let w = try ShapesWorkspace(prefix: "zoo-mpi", testCount: 2, testFrames: 8)
        defer { w.remove() }
        let run = try shell(try mpiCommand(2, "train rvd --preset tiny --data \(w.store) --batch-size 3 --steps 2 "
                                           + "--distributed --quiet --out \(w.file("run"))"))
        #expect(run.status != 0)
        #expect(run.output.contains("zoo: rank 0 of 2: --batch-size 3 does not split over 2 ranks")
                || run.output.contains("zoo: rank 1 of 2: --batch-size 3 does not split over 2 ranks"), "\(run.output)")
        #expect(run.seconds < 60)
    }

    /// SIGKILL to rank 1 while the job trains and saves every step: mpirun ends the job within seconds and
    /// names rank 1; every checkpoint left loads; a temporary of a save cut short (if any) is removed by
    /// the next run, which resumes from last.h5 in one process.
    @Test func killedRankEndsTheJobAndLeavesLoadableCheckpoints() throws {
        try requireBuilt()
        let w = try ShapesWorkspace(prefix: "zoo-mpi", testCount: 2, testFrames: 8)
        defer { w.remove() }
        let run = w.file("run")
        let log = w.file("job.log")
        let job = try start(try mpiCommand(2, "train rvd --preset tiny --data \(w.store) --batch-size 2 --steps 100000 "
                                            + "--checkpoint-every 1 --eval-every 0 --distributed --out \(run)") + " > \(log) 2>&1",
                            output: Pipe())
        // Wait for a few saved steps.
        let began = Date()
        while Date().timeIntervalSince(began) < 120 {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: run)) ?? []
            if names.filter({ $0.hasPrefix("step-") && $0.hasSuffix(".h5") }).count >= 2 { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        let victim = try #require(rankProcess(1, under: job.processIdentifier), "rank 1's process not found")
        kill(victim, SIGKILL)
        let killedAt = Date()
        job.waitUntilExit()
        let seconds = Date().timeIntervalSince(killedAt)
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(job.terminationStatus != 0)
        #expect(seconds < 10, "the job took \(seconds) s to end after rank 1 was killed")
        // Open MPI 4: "mpirun noticed that process rank 1 with PID … exited on signal 9 (Killed)."
        #expect(output.contains("process rank 1") && output.contains("signal 9"), "mpirun's report should name rank 1: \(output)")

        let names = try FileManager.default.contentsOfDirectory(atPath: run)
        let checkpoints = names.filter { $0.hasSuffix(".h5") && RunDirectory.temporaryOwner($0) == nil }
        #expect(checkpoints.contains("last.h5"))
        for name in checkpoints { _ = try Checkpoint.read(from: run + "/" + name) }
        let last = try Checkpoint.read(from: run + "/last.h5")
        let resumed = try shell("\"$ZOO\" train rvd --resume --steps \(last.step + 1) --quiet --out \(run)")
        #expect(resumed.status == 0, "\(resumed.output)")
        let after = try FileManager.default.contentsOfDirectory(atPath: run)
        #expect(after.allSatisfy { RunDirectory.temporaryOwner($0) == nil }, "\(after)")
    }
}

/// The process of MPI rank `rank` among the descendants of `root` (by OMPI_COMM_WORLD_RANK in its
/// environment).
private func rankProcess(_ rank: Int, under root: pid_t) -> pid_t? {
    var frontier = [root], seen = Set<pid_t>()
    while let pid = frontier.popLast() {
        guard seen.insert(pid).inserted else { continue }
        if pid != root, let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ"),
           environ.split(separator: 0).contains(where: { String(decoding: $0, as: UTF8.self) == "OMPI_COMM_WORLD_RANK=\(rank)" }),
           let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"), exe.hasSuffix("/zoo") {
            return pid
        }
        let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        frontier += children.split(separator: " ").compactMap { pid_t($0) }
    }
    return nil
}
