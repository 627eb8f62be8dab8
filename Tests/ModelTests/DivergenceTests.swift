// Divergence stops: the trainer's NaN check on every loss term a model reports, and the divergence rules a
// model declares (a GAN's discriminator winning outright), on a small GAN that really diverges; plus the
// thresholds of the shared GAN rules against the losses they read.
import Foundation
import Testing
import ZooCore
@testable import GANs

struct HopelessGANConfig: Codable, Sendable, Equatable {
    var contract = ClipContract(channels: 1, height: 8, width: 8, contextFrames: 1, predictedFrames: 1)
    /// A loss term reported as NaN from this step (1-based count) on, if any.
    var nanTerm: String?
    var nanAtStep = 0
    /// Whether the model declares its divergence rule.
    var declaresRule = true
}

/// A least-squares GAN that cannot win: the generator's "frame" is one learned gray level everywhere, so a
/// discriminator that sees texture (a 3x3 conv, LeakyReLU, a global mean, a linear score) separates every
/// real frame (a checkerboard) from every fake one, and the game ends with D(real) ≈ 1, D(fake) ≈ 0.
final class HopelessGAN: VideoPredictor {
    let config: HopelessGANConfig
    let level = Parameter(Tensor(0))
    let features: Conv2d
    let score: Linear

    init(config: HopelessGANConfig, rng: inout RandomGenerator) {
        self.config = config
        features = Conv2d(1, 4, kernelSize: 3, padding: 1, rng: &rng)
        score = Linear(4, 1, rng: &rng)
    }

    var modelName: String { "hopeless-gan" }
    var contract: ClipContract { config.contract }
    var isStochastic: Bool { false }
    func configJSON() throws -> Data { try sortedJSON(config) }
    var trainingDefaults: TrainingDefaults {
        TrainingDefaults(steps: 300, batchSize: 4, clipLength: 2, learningRate: 1e-3)
    }

    func makeOptimizers(learningRate: Double) -> OptimizerGroup {
        let all = namedParameters()
        let group = OptimizerGroup()
        group.add("generator", optimizer: Adam(learningRate: learningRate), parameters: all.filter { $0.0 == "level" })
        group.add("discriminator", optimizer: Adam(learningRate: 10 * learningRate),
                  parameters: all.filter { $0.0 != "level" }, ema: false)
        return group
    }

    func discriminate(_ frames: Tensor) -> Tensor {
        score(leakyRelu(features(frames), negativeSlope: 0.2).mean(axes: [2, 3]))
    }

    func fake(like real: Tensor) -> Tensor { tanh(level.value) * Tensor(repeating: 1, shape: real.shape) }

    func trainStep(_ batch: VideoBatch, optimizers: OptimizerGroup, step: Int, rng: inout RandomGenerator) -> StepLosses {
        let real = batch.frames.selecting(axis: 1, 1)
        let lsgan = AdversarialLoss.leastSquares
        let lossD = lsgan.discriminatorLoss(real: discriminate(real), fake: discriminate(fake(like: real).detached()))
        optimizers.minimize(lossD, group: "discriminator")
        let lossG = lsgan.generatorLoss(fake: discriminate(fake(like: real)))
        optimizers.minimize(lossG, group: "generator")
        var losses = StepLosses(["loss_D": lossD.item, "loss_G": lossG.item])
        if let term = config.nanTerm, step + 1 >= config.nanAtStep { losses[term] = .nan }
        return losses
    }

    func predict(context: Tensor, frameCount: Int, sampleCount: Int, rng: inout RandomGenerator) -> Tensor {
        let s = context.shape
        return noGrad { fake(like: Tensor(repeating: 0, shape: [s[0], sampleCount, frameCount, s[2], s[3], s[4]])) }
    }

    /// D_real and D_fake are each a sum of one real and one fake term: 2 terms.
    var divergenceRules: [DivergenceRule] {
        guard config.declaresRule else { return [] }
        return [AdversarialLoss.leastSquares.outrightWinRule("the discriminator wins outright", discriminatorLoss: "loss_D",
                                                             terms: 2, generatorLoss: "loss_G", patience: 5)]
    }
}

/// Six clips of a full-contrast 8x8 checkerboard whose phase flips every frame: texture a constant frame
/// cannot imitate.
private let hopelessData = VideoSequenceSet(height: 8, width: 8, channels: 1, sequences: (0..<6).map { _ in
    (0..<6).flatMap { t in (0..<64).map { i -> UInt8 in (i / 8 + i % 8 + t) % 2 == 0 ? 255 : 0 } }
})

private func hopeless(_ edit: (inout HopelessGANConfig) -> Void = { _ in }) -> HopelessGAN {
    var config = HopelessGANConfig()
    edit(&config)
    var rng = RandomGenerator(seed: 5)
    return HopelessGAN(config: config, rng: &rng)
}

@Suite struct DivergenceTests {
    /// The discriminator wins; the run stops with the rule's words and the last checkpoint written before
    /// the rule fired, which holds finite weights. Without the rule the same run goes to its end with the
    /// discriminator still winning (so the stop is the rule's doing, not an accident of the model).
    @Test func discriminatorWinningOutrightStopsTheRunAndKeepsTheLastCheckpoint() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let model = hopeless()
        let run = RunDirectory(path: folder.file("run"))
        let trainer = Trainer(model: model, preset: "tiny", settings: shortSettings(model, steps: 300, checkpointEvery: 10),
                              train: hopelessData, run: run)
        var stopped: (step: Int, rule: String, last: String?)?
        do { _ = try trainer.run() } catch let TrainingError.diverged(step, rule, last) { stopped = (step, rule, last) }
        let stop = try #require(stopped, "the run went to its end although the discriminator won")
        #expect(stop.step > 5 && stop.step < 300)
        #expect(stop.rule.contains("wins outright") && stop.rule.contains("loss_D <") && stop.rule.contains("loss_G >"))
        let lastStep = (stop.step - 1) / 10 * 10
        #expect(stop.last == run.checkpoint(step: lastStep))
        let saved = try Checkpoint.read(from: run.lastCheckpoint)
        #expect(saved.step == lastStep && saved.parameters.values.allSatisfy { $0.isFinite })
        let message = TrainingError.diverged(step: stop.step, rule: stop.rule, lastGoodCheckpoint: stop.last).description
        #expect(message.contains("diverged at step \(stop.step)") && message.contains(run.checkpoint(step: lastStep)))

        let free = hopeless { $0.declaresRule = false }
        let reporter = CollectingReporter()
        let summary = try Trainer(model: free, preset: "tiny", settings: shortSettings(free, steps: stop.step + 5, checkpointEvery: 1000),
                                  train: hopelessData, reporter: reporter).run()
        #expect(summary.outcome == .finished)
        let tail = reporter.stepLosses.suffix(5)
        #expect(tail.allSatisfy { ($0["loss_D"] ?? 1) < 0.02 && ($0["loss_G"] ?? 0) > 0.81 },
                "the rule-free run should show the discriminator winning: \(tail)")
    }

    /// A run stopped two steps before its rule fires and resumed stops at the same step as the run that never
    /// stopped: the resumed monitor replays the last steps' losses from metrics.csv instead of counting from 0.
    @Test func resumedRunStopsAtTheSameStep() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        func stopStep(_ trainer: Trainer, resume: Checkpoint? = nil) throws -> Int? {
            do { _ = try trainer.run(resumeFrom: resume) } catch let TrainingError.diverged(step, _, _) { return step }
            return nil
        }
        let model = hopeless()
        let whole = try #require(try stopStep(Trainer(model: model, preset: "tiny",
                                                      settings: shortSettings(model, steps: 300, checkpointEvery: 1000),
                                                      train: hopelessData, run: RunDirectory(path: folder.file("whole")))))
        let run = RunDirectory(path: folder.file("parts"))
        let first = hopeless()
        #expect(try stopStep(Trainer(model: first, preset: "tiny", settings: shortSettings(first, steps: whole - 2, checkpointEvery: 1000),
                                     train: hopelessData, run: run)) == nil)
        let second = hopeless()
        let resumed = try stopStep(Trainer(model: second, preset: "tiny", settings: shortSettings(second, steps: 300, checkpointEvery: 1000),
                                           train: hopelessData, run: run),
                                   resume: try Checkpoint.read(from: run.lastCheckpoint))
        #expect(resumed == whole, "the uninterrupted run stopped at step \(whole), the resumed one at \(resumed.map(String.init) ?? "none")")
    }

    /// A NaN in any reported term, not only the first, stops the run and names the term.
    @Test func nanInAnyLossTermStops() throws {
        for term in ["loss_D", "loss_G", "loss_extra"] {
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            let model = hopeless { $0.nanTerm = term; $0.nanAtStep = 4; $0.declaresRule = false }
            let run = RunDirectory(path: folder.file("run"))
            let trainer = Trainer(model: model, preset: "tiny", settings: shortSettings(model, steps: 8, checkpointEvery: 2),
                                  train: hopelessData, run: run)
            #expect(throws: TrainingError.nonFinite(step: 4, what: "loss \(term)", lastGoodCheckpoint: run.checkpoint(step: 2))) {
                _ = try trainer.run()
            }
            #expect(try Checkpoint.read(from: run.lastCheckpoint).step == 2)
        }
    }

    /// The streak restarts whenever a bound fails; a missing term never holds.
    @Test func monitorNeedsConsecutiveSteps() {
        let rule = DivergenceRule(name: "r", bounds: [DivergenceBound("a", below: 1), DivergenceBound("b", above: 2)],
                                  patience: 3)
        var monitor = DivergenceMonitor(rules: [rule])
        let bad = StepLosses(["a": 0.5, "b": 3]), good = StepLosses(["a": 0.5, "b": 1])
        var fired: [DivergenceRule?] = []
        for losses in [bad, bad, good, bad, bad, bad] { fired.append(monitor.record(losses)) }
        #expect(fired == [nil, nil, nil, nil, nil, rule])                   // the good step restarts the streak
        var other = DivergenceMonitor(rules: [rule])
        var missing: [DivergenceRule?] = []
        for _ in 0..<5 { missing.append(other.record(StepLosses(["a": 0.5]))) }
        #expect(missing.allSatisfy { $0 == nil })
    }

    /// A rule with a stall loss fires only once that loss has stopped falling over the rule's window:
    /// not while it falls by more than the drop, and a resumed monitor (replayed window) decides the same.
    @Test func stallKeepsAnImprovingRunGoing() {
        let stall = DivergenceStall("g", relativeDrop: 0.01)
        let rule = DivergenceRule(name: "r", bounds: [DivergenceBound("d", below: 0.01)], patience: 4, stall: stall)
        // The discriminator has won from step 0; g falls 10% per step for 8 steps, then stays flat.
        let g: [Float] = (0..<8).map { 1 * pow(0.9, Float($0)) } + [Float](repeating: 0.43, count: 8)
        var monitor = DivergenceMonitor(rules: [rule])
        var firedAt: Int?
        for (step, value) in g.enumerated() where firedAt == nil {
            if monitor.record(StepLosses(["d": 0.001, "g": value])) != nil { firedAt = step }
        }
        // The window of steps 8...11 is flat: the first step whose whole window shows no 1% fall.
        #expect(firedAt == 11)
        #expect(monitor.lossNames == ["d", "g"])
        #expect(stall.holds(in: [1, 1, 0.995, 0.995]))        // 0.5% fall: no progress
        #expect(!stall.holds(in: [1, 1, 0.98, 0.98]))         // 2% fall: progress
        #expect(!stall.holds(in: [1, nil, 1, 1]))             // a missing step never counts as stalled
        // Replaying the last `memory` steps restores the window: the resumed monitor fires at the same step.
        var resumed = DivergenceMonitor(rules: [rule])
        resumed.replay((7..<10).map { StepLosses(["d": 0.001, "g": g[$0]]) })
        #expect(resumed.record(StepLosses(["d": 0.001, "g": g[10]])) == nil)
        #expect(resumed.record(StepLosses(["d": 0.001, "g": g[11]])) == rule)
        #expect(rule.description.contains("g no longer falls by more than 1% from the older half"))
        let flat = DivergenceStall("g", relativeDrop: 0)
        #expect(flat.holds(in: [1, 1, 1, 1.01]) && flat.holds(in: [1, 1, 1, 1]))  // no fall at all: stalled
        #expect(!flat.holds(in: [1, 1, 0.999, 0.999]))
    }

    /// Each objective's rule holds on the losses of a discriminator that has won (scores at their targets,
    /// or past the hinge margin, or confident logits) and not at the undecided point (equal scores).
    @Test func sharedRulesReadTheirLosses() {
        func losses(_ loss: AdversarialLoss, real: Float, fake: Float) -> StepLosses {
            let r = Tensor(repeating: real, shape: [4, 1]), f = Tensor(repeating: fake, shape: [4, 1])
            return StepLosses(["d": loss.discriminatorLoss(real: r, fake: f).item, "g": loss.generatorLoss(fake: f).item])
        }
        let won: [AdversarialLoss: (Float, Float)] = [.leastSquares: (1, 0.05), .hinge: (1.2, -1.5), .nonSaturating: (6, -6)]
        let undecided: [AdversarialLoss: (Float, Float)] = [.leastSquares: (0.5, 0.5), .hinge: (0, 0), .nonSaturating: (0, 0)]
        for loss in AdversarialLoss.allCases {
            let rule = loss.outrightWinRule("\(loss)", discriminatorLoss: "d", terms: 2, generatorLoss: "g", patience: 1)
            let w = won[loss]!, u = undecided[loss]!
            #expect(rule.holds(in: losses(loss, real: w.0, fake: w.1)), "\(loss): a won game")
            #expect(!rule.holds(in: losses(loss, real: u.0, fake: u.1)), "\(loss): an undecided game")
            // The discriminator winning on real clips only (fakes still fool it) is not divergence.
            #expect(!rule.holds(in: losses(loss, real: w.0, fake: u.1)), "\(loss): fakes still scored as real")
        }
        let wgan = wassersteinDivergenceRule(patience: 1)
        #expect(wgan.holds(in: StepLosses(["gradient_penalty": 4, "wasserstein": 30])))
        #expect(!wgan.holds(in: StepLosses(["gradient_penalty": 1, "wasserstein": 30])))     // zero-gradient critic
        #expect(!wgan.holds(in: StepLosses(["gradient_penalty": 4, "wasserstein": -1])))
    }

    /// The three GANs declare their rules on terms their `trainStep` reports.
    @Test func ganRulesNameReportedTerms() throws {
        for name in ["retrogan", "dvd-gan", "futuregan"] {
            let (_, model) = try makeTestModel(name)
            #expect(!model.divergenceRules.isEmpty, "\(name) declares no divergence rule")
            let data = testSequences(model.contract, count: 8, frames: model.trainingDefaults.clipLength, seed: 1)
            let losses = try Trainer(model: model, preset: "tiny", settings: shortSettings(model, steps: 1, checkpointEvery: 100),
                                     train: data).run().losses
            for rule in model.divergenceRules {
                for bound in rule.bounds { #expect(losses[bound.loss] != nil, "\(name): \(bound.loss) is not reported") }
                if let stall = rule.stall { #expect(losses[stall.loss] != nil, "\(name): \(stall.loss) is not reported") }
            }
        }
    }
}
