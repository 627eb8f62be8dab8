// RetroGAN against the reference re-implementation (github.com/SaulZhang/Video_Prediction_ZOO,
// RetrospectiveCycleGAN): parameter counts of the reference architecture, generator and discriminator
// forwards and every loss term on the fixture of Tools/gans/retrogan_fixtures.py; plus the pieces the
// reference pins down (reflection padding, the LoG kernel, the retrospective inputs, the roll-out).
import Foundation
import Testing
import ZooCore
@testable import GANs

struct RetroGANFixture: Decodable {
    struct Config: Decodable { var size: Int; var batch: Int; var channels: Int; var residualBlocks: Int }
    var commit: String
    var parameterCounts: [String: Int]
    var config: Config
    var parameters: [String: [GANFixtureEntry]]
    var clipSeed: Int
    var outputs: [String: GANFixtureTensor]
    var losses: [String: Double]

    static func load() throws -> RetroGANFixture { try loadGANFixture(RetroGANFixture.self, "retrogan_parity") }

    /// The fixture's network (reference widths, one residual block) with the fixture's weights.
    func model() throws -> RetroGAN {
        var c = RetroGANConfig.reference64
        c.contract = ClipContract(channels: config.channels, height: config.size, width: config.size,
                                  contextFrames: 4, predictedFrames: 1)
        c.residualBlocks = config.residualBlocks
        try c.validate()
        var rng = RandomGenerator(seed: 0)
        let model = RetroGAN(config: c, rng: &rng)
        #expect(fillFromFixture(model.generator, parameters["G"]!).isEmpty)
        #expect(fillFromFixture(model.frameDiscriminator, parameters["D_A"]!).isEmpty)
        #expect(fillFromFixture(model.sequenceDiscriminator, parameters["D_B"]!).isEmpty)
        return model
    }

    /// The clip [B, 5, C, H, W].
    var clip: Tensor { fixtureInput(shape: [config.batch, 5, config.channels, config.size, config.size], seed: clipSeed) }
}

@Suite struct RetroGANTests {
    /// The script's counts of the reference's G, D_A and D_B at 64x64 (9 residual blocks), pinned.
    @Test func referenceParameterCountsMatch() throws {
        let f = try RetroGANFixture.load()
        #expect(f.parameterCounts == ["G": 11_767_427, "D_A": 2_764_737, "D_B": 2_777_025])
        var rng = RandomGenerator(seed: 1)
        let model = RetroGAN(config: .reference64, rng: &rng)
        #expect(model.generator.parameterCount == 11_767_427)
        #expect(model.frameDiscriminator.parameterCount == 2_764_737)
        #expect(model.sequenceDiscriminator.parameterCount == 2_777_025)
        #expect(model.parameterCount == 11_767_427 + 2_764_737 + 2_777_025)
    }

    /// Every parameter of the reference state_dicts exists here with the same name and shape, and nothing
    /// else does.
    @Test func parameterNamesAreTheReferences() throws {
        let f = try RetroGANFixture.load()
        let model = try f.model()
        #expect(Set(model.generator.namedParameters().map(\.0)) == Set(f.parameters["G"]!.map(\.name)))
        #expect(Set(model.frameDiscriminator.namedParameters().map(\.0)) == Set(f.parameters["D_A"]!.map(\.name)))
        #expect(Set(model.sequenceDiscriminator.namedParameters().map(\.0)) == Set(f.parameters["D_B"]!.map(\.name)))
    }

    @Test func generatorAndDiscriminatorsMatchTheReference() throws {
        let f = try RetroGANFixture.load()
        let model = try f.model()
        let clip = f.clip
        let s = clip.shape
        let (g, da, db) = noGrad {
            (model.generator(clip.sliced(axis: 1, 0..<4).reshaped([s[0], 4 * s[2], s[3], s[4]])),
             model.frameDiscriminator(clip.selecting(axis: 1, 4)),
             model.sequenceDiscriminator(clip.reshaped([s[0], 5 * s[2], s[3], s[4]])))
        }
        // The discriminators' scores vary between positions and clips by as much as their mean (the
        // fixture's references are float64): their values and their deviations from the mean are held to 1e-4.
        for (name, value) in [("generator", g), ("frameDiscriminator", da), ("sequenceDiscriminator", db)] {
            let error = relativeL2(value, f.outputs[name]!)
            #expect(error < 1e-4, "\(name): relative L2 \(error)")
            let centered = centeredRelativeL2(value, f.outputs[name]!)
            #expect(centered < 1e-4, "\(name): deviations from the mean, relative L2 \(centered)")
        }
    }

    /// Every term of train.py's generator and discriminator losses on the fixture clip.
    @Test func lossesMatchTheReference() throws {
        let f = try RetroGANFixture.load()
        let model = try f.model()
        let frames = (0..<5).map { f.clip.selecting(axis: 1, $0) }
        let (ours, d) = noGrad { () -> ([String: Float], (frame: Tensor, sequence: Tensor)) in
            let fw = model.forward(frames)
            let g = model.generatorLosses(fw, real: frames)
            return (["loss_G": g.total.item, "loss_image": g.image.item, "loss_LoG": g.log.item,
                     "loss_G_frame": g.frame.item, "loss_G_seq": g.sequence.item], model.discriminatorLosses(fw, real: frames))
        }
        var all = ours
        all["loss_D_frame"] = d.frame.item
        all["loss_D_seq"] = d.sequence.item
        for (name, reference) in f.losses {
            let value = try #require(all[name], "no loss \(name)")
            #expect(abs(Double(value) - reference) <= 1e-4 * abs(reference), "\(name): \(value) vs reference \(reference)")
        }
        #expect(f.losses.count == 7)
    }

    @Test func reflectionPaddingMirrorsWithoutTheBorder() {
        let x = Tensor(shape: [1, 1, 3, 3], scalars: (1...9).map(Float.init))
        let y = reflectionPad2d(x, 2)
        #expect(y.shape == [1, 1, 7, 7])
        // Row 0 of the padded map is input row 2 (reflected twice over row 0), columns likewise.
        #expect(Array(y.scalars[0..<7]) == [9, 8, 7, 8, 9, 8, 7])
        #expect(Array(y.scalars[14..<21]) == [3, 2, 1, 2, 3, 2, 1])
    }

    /// The kernel is the reference's, including its asymmetric seventh row, and sums to −1 (not 0).
    @Test func logKernelIsTheReferences() {
        #expect(retroGANLoGKernel.count == 81)
        #expect(retroGANLoGKernel.reduce(0, +) == -1)
        #expect(Array(retroGANLoGKernel[54..<63]) == [1, 4, 5, 3, 0, 3, 4, 4, 1])
        #expect(retroGANLoGKernel[40] == -40)
        // A constant image away from the border responds with the kernel's sum.
        let y = laplacianOfGaussian(Tensor(repeating: 1, shape: [1, 2, 11, 11]))
        #expect(y.shape == [1, 2, 11, 11])
        #expect(y.scalars[5 * 11 + 5] == -1)
    }

    /// The sequence discriminator's clips: five frames stacked on channels, the real clip in order, and the
    /// clip (x_m, f₁…f₃, x'_n) starting with the real past frame.
    @Test func retrospectiveInputsFollowTheReference() throws {
        var rng = RandomGenerator(seed: 3)
        let model = RetroGAN(config: .tiny, rng: &rng)
        let c = RetroGANConfig.tiny.contract
        let frames = (0..<5).map { Tensor(repeating: Float($0), shape: [1, c.channels, c.height, c.width]) }
        let stacked = model.forward(frames).fakeClips.map { $0.shape }
        #expect(stacked.allSatisfy { $0 == [1, 5 * c.channels, c.height, c.width] })
        let clip = model.forward(frames).realClip
        #expect(clip.selecting(axis: 1, 4 * c.channels).scalars.allSatisfy { $0 == 4 })
        // Fake clip 3 is (x_m, f1, f2, f3, x'_n): its first frame is the real past frame.
        #expect(model.forward(frames).fakeClips[2].selecting(axis: 1, 0).scalars.allSatisfy { $0 == 0 })
    }

    @Test func rollOutPredictsEachFrameFromTheNewestFour() {
        var rng = RandomGenerator(seed: 4)
        let model = RetroGAN(config: .tiny, rng: &rng)
        let c = RetroGANConfig.tiny.contract
        var data = RandomGenerator(seed: 5)
        let context = Init.uniform([2, 5, c.channels, c.height, c.width], low: -1, high: 1, rng: &data)
        let out = noGrad { model.rollOut(context: context, frameCount: 3) }
        #expect(out.shape == [2, 3, c.channels, c.height, c.width])
        let first = noGrad { model.generate((1..<5).map { context.selecting(axis: 1, $0) }) }
        #expect(out.selecting(axis: 1, 0).scalars == first.scalars)
        let second = noGrad { model.generate((2..<5).map { context.selecting(axis: 1, $0) } + [first]) }
        #expect(out.selecting(axis: 1, 1).scalars == second.scalars)
        // Every sample of a clip is the same future.
        var r = RandomGenerator(seed: 6)
        let p = model.predict(context: context, frameCount: 2, sampleCount: 3, rng: &r)
        #expect(p.selecting(axis: 1, 0).scalars == p.selecting(axis: 1, 2).scalars)
    }

    /// Unknown preset, a stored config that cannot work, and wrong checkpoints give named errors.
    @Test func badInputIsNamed() throws {
        try checkGANBadInput("retrogan", foreign: "dvd-gan", larger: "cpu")
    }

    @Test func invalidConfigsNameTheField() {
        var c = RetroGANConfig.cpu
        c.upChannels = [8]
        #expect(throws: PredictorError.self) { try c.validate() }
        do { try c.validate() } catch { #expect("\(error)".contains("upChannels")) }
        c = .cpu
        c.contract.height = 36
        do { try c.validate(); Issue.record("36x32 passed") } catch { #expect("\(error)".contains("divisible")) }
        c = .cpu
        c.inputFrames = 5
        do { try c.validate(); Issue.record("5 input frames with 4 context frames passed") } catch {
            #expect("\(error)".contains("contextFrames"))
        }
        for (_, preset) in RetroGANConfig.presets { #expect(throws: Never.self) { try preset.validate() } }
    }

    /// The tiny preset's parameter names (golden; a rename shows up here).
    @Test func tinyParameterNames() {
        var rng = RandomGenerator(seed: 7)
        let model = RetroGAN(config: .tiny, rng: &rng)
        let names = model.namedParameters().map { "\($0.0) \($0.1.shape)" }
        #expect(names == [
            "G.model.1.weight [8, 4, 7, 7]", "G.model.1.bias [8]",
            "G.model.2.weight [8, 8, 3, 3]", "G.model.2.bias [8]",
            "G.model.5.weight [16, 8, 3, 3]", "G.model.5.bias [16]",
            "G.model.8.block.1.weight [16, 16, 3, 3]", "G.model.8.block.1.bias [16]",
            "G.model.8.block.5.weight [16, 16, 3, 3]", "G.model.8.block.5.bias [16]",
            "G.model.9.weight [16, 8, 3, 3]", "G.model.9.bias [8]",
            "G.model.12.weight [8, 8, 3, 3]", "G.model.12.bias [8]",
            "G.model.16.weight [1, 8, 7, 7]", "G.model.16.bias [1]",
            "D_A.model.0.weight [8, 1, 4, 4]", "D_A.model.0.bias [8]",
            "D_A.model.2.weight [16, 8, 4, 4]", "D_A.model.2.bias [16]",
            "D_A.model.5.weight [16, 16, 4, 4]", "D_A.model.5.bias [16]",
            "D_A.model.9.weight [1, 16, 4, 4]", "D_A.model.9.bias [1]",
            "D_B.model.0.weight [8, 5, 4, 4]", "D_B.model.0.bias [8]",
            "D_B.model.2.weight [16, 8, 4, 4]", "D_B.model.2.bias [16]",
            "D_B.model.5.weight [16, 16, 4, 4]", "D_B.model.5.bias [16]",
            "D_B.model.9.weight [1, 16, 4, 4]", "D_B.model.9.bias [1]",
        ])
    }
}
