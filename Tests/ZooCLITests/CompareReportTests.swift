// `zoo compare` as an experiment: recipes, bad input stopped before training, the report's tables against
// compare.json, Figure 3 against `zoo metrics` on the stored predictions, reuse on a rerun, a killed run
// finished by rerunning, and report.html rendered by headless Chromium.
import ArgumentParser
import Foundation
import Testing
@testable import ZooCLI
@testable import ZooCore

/// A temporary folder with a small 16x16 gray `shapes` store (the tiny presets' 2 + 3 frames; training
/// sequences long enough for 10-frame clips).
private struct CompareWorkspace {
    let path: String
    let store: String

    init(size: Int = 16) throws {
        path = NSTemporaryDirectory() + "zoo-cmp-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        store = path + "/shapes.h5"
        var settings = MovingShapes.Settings()
        settings.size = size
        settings.radius = 3...5
        settings.speed = 1...2
        try MovingShapes.writeStore(path: store, settings: settings, trainCount: 6, trainFrames: 10, testCount: 3,
                                    testFrames: 5, seed: 1)
    }

    func file(_ name: String) -> String { path + "/" + name }
    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name)) }
    func text(_ name: String) throws -> String { try String(contentsOfFile: file(name), encoding: .utf8) }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs `zoo compare ARGS` in this process; returns stdout.
@discardableResult
private func compare(_ arguments: [String]) throws -> String {
    let command = try #require(try Zoo.parseAsRoot(["compare"] + arguments) as? Zoo.Compare)
    let sink = ResultSink.collecting()
    try command.execute(sink)
    return sink.text
}

/// The message `zoo compare ARGS` fails with (nil when it succeeds).
private func compareFailure(_ arguments: [String]) -> String? {
    do {
        try compare(arguments)
        return nil
    } catch {
        return Zoo.message(for: error)
    }
}

private func readReport(_ path: String) throws -> CompareReport {
    try JSONDecoder().decode(CompareReport.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
}

/// The rows of the first Markdown table after `heading`, as cells (bold markers removed).
private func markdownTable(_ markdown: String, after heading: String) -> [[String]] {
    guard let start = markdown.range(of: heading) else { return [] }
    let lines = markdown[start.upperBound...].split(separator: "\n").map(String.init)
    let table = lines.drop { !$0.hasPrefix("|") }.prefix { $0.hasPrefix("|") }
    return table.map { line in
        line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
            .map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "**", with: "") }
    }
}

/// Occurrences of `needle` in `text`.
private func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

@Suite(.serialized) struct CompareReportTests {
    /// Builds every registered model's cpu preset (and table2's five) once: a few seconds in a debug build, the
    /// price of knowing that `--recipe table1` and `table2` can run with the models registered today.
    @Test func recipesExpandToTheirModels() throws {
        let table1 = try CompareRecipe.table1.specs(preset: "cpu")
        #expect(table1.first?.name == "copy-last")
        #expect(Set(table1.map(\.name)) == Set(registeredModelNames()) && table1.allSatisfy { $0.preset == "cpu" })
        // Every registered model's cpu preset shares one contract, so `--recipe table1` can run at all.
        let contracts = try table1.map { try buildCandidate($0, seed: 0, labelTrainingFrames: false).model.contract }
        #expect(Set(contracts.map { "\($0)" }).count == 1, "\(contracts)")

        let table2 = try CompareRecipe.table2.specs(preset: "cpu").map { try buildCandidate($0, seed: 0, labelTrainingFrames: true) }
        #expect(table2.map(\.label) == ["vd (2+6)", "rvd (2+6)", "rvd (2+3)", "ivrnn (4+8)", "ivrnn (4+4)"])
        #expect(table2.map { $0.model.trainingDefaults.clipLength } == [8, 8, 5, 12, 8])
        #expect(Set(table2.map(\.spec.folderName)).count == 5)
    }

    @Test func badInputStopsBeforeAnyTraining() throws {
        let w = try CompareWorkspace()
        defer { w.remove() }
        let unknownRecipe = compareFailure(["--recipe", "tabel1", "--out", w.file("a")])
        #expect(unknownRecipe?.contains("unknown recipe") == true && unknownRecipe?.contains("did you mean table1") == true,
                "\(unknownRecipe ?? "no error")")
        let unknownModel = compareFailure(["--models", "rvd,nope", "--out", w.file("a")])
        #expect(unknownModel?.contains("unknown model 'nope'") == true, "\(unknownModel ?? "no error")")
        // The tiny presets do not share a contract (they are sized for each model's own tests).
        let contracts = compareFailure(["--recipe", "table1", "--preset", "tiny", "--data", w.store, "--out", w.file("a")])
        #expect(contracts?.contains("must share one clip contract") == true, "\(contracts ?? "no error")")
        let mixed = compareFailure(["--models", "rvd:tiny,rvd:cpu", "--data", w.store, "--out", w.file("a")])
        #expect(mixed?.contains("must share one clip contract") == true, "\(mixed ?? "no error")")
        #expect(!w.exists("a"))

        // A store of 20x20 frames: no tiny preset (16x16) accepts it.
        let odd = try CompareWorkspace(size: 20)
        defer { odd.remove() }
        let size = compareFailure(["--models", "rvd:tiny,copy-last:tiny", "--data", odd.store, "--steps", "1", "--out", w.file("b")])
        #expect(size?.contains("does not fit the models compared") == true && size?.contains("20x20") == true
                && size?.contains("nothing was trained") == true, "\(size ?? "no error")")
        #expect(!w.exists("b/rvd-tiny"))
    }

    @Test func reportTablesAndFigureMatchTheNumbersAndStoredPredictions() throws {
        let w = try CompareWorkspace()
        defer { w.remove() }
        let arguments = ["--models", "rvd:tiny,convgru:tiny,copy-last:tiny", "--data", w.store, "--steps", "2", "--samples", "3",
                         "--metrics", "crps,mse,psnr,ssim", "--out", w.file("cmp"), "--quiet"]
        try compare(arguments)
        let report = try readReport(w.file("cmp/compare.json"))
        #expect(report.rows.map(\.label) == ["rvd", "convgru", "copy-last"] && report.clips == 3 && report.samples == 3)
        #expect(report.rows.allSatisfy { $0.training?.hasPrefix("trained here") == true && $0.evaluationSource == "computed" })

        // The Markdown table parses, and its numbers are compare.json's.
        let markdown = try w.text("cmp/report.md")
        let table = markdownTable(markdown, after: "## Table 1")
        #expect(table.count == 2 + report.rows.count)
        let header = table[0]
        let crpsColumn = try #require(header.firstIndex(of: "CRPS ↓"))
        let psnrColumn = try #require(header.firstIndex(of: "PSNR ↑ mean"))
        for (i, row) in report.rows.enumerated() {
            let cells = table[2 + i]
            #expect(cells.count == header.count && cells[0] == row.label)
            #expect(cells[crpsColumn] == reportNumber(row.evaluation["crps"]?.mean))
            #expect(cells[psnrColumn] == reportNumber(row.evaluation["psnr"]?.mean))
            #expect(Double(cells[crpsColumn]).map { abs($0 - row.evaluation["crps"]!.mean) <= 5e-4 * $0 } == true)
        }
        // The best CRPS is the bold one.
        let bestCRPS = report.rows.map { $0.evaluation["crps"]!.mean }.min()!
        #expect(markdown.contains("**\(reportNumber(bestCRPS))**"))

        // Figure 3: one polyline per model, at 1/CRPS of each predicted frame...
        let svg = try w.text("cmp/figures/figure3-crps.svg")
        #expect(count("<polyline", in: svg) == 3)
        // ...and those per-frame CRPS values are what `zoo metrics` computes from the stored predictions.
        for row in report.rows {
            let metrics = try #require(try Zoo.parseAsRoot(["metrics", "--truth", w.file("cmp/truth.h5"), "--pred",
                                                            w.file("cmp/" + row.predictions!), "--metrics", "crps"]) as? Metrics)
            let fields = try metrics.execute(ResultSink.collecting())
            let crps = try #require(fields["crps"] as? [String: Any])
            let perFrame = try #require(crps["per_frame"] as? [Double])
            #expect(perFrame == row.evaluation["crps"]!.perFrame, "\(row.label)")
            let polyline = try #require(svg.components(separatedBy: "data-model=\"\(row.label)\"").dropFirst().first)
            #expect(polyline.contains("points=\""))
        }
        let plotted = report.inverseCRPSPlot().series.map(\.values)
        #expect(plotted == report.rows.map { $0.evaluation["crps"]!.perFrame.map { 1 / $0 } })

        // Figures 2 and 4 exist; the animation has one frame per time step of a clip.
        for row in report.rows {
            let animation = try Data(contentsOf: URL(fileURLWithPath: w.file("cmp/" + row.animation!)))
            #expect(try AnimatedPNG.frameCount(animation) == 5)
            #expect(try PNGImage.read(path: w.file("cmp/" + row.heatmap!)).channels == 3)
            #expect(try PNGImage.read(path: w.file("cmp/" + row.sampleGrid!)).width > 16)
        }
        let html = try w.text("cmp/report.html")
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").dropFirst()
            .allSatisfy { $0.hasPrefix("www.w3.org/2000/svg") })
        #expect(!html.contains("<script") && count("data:image/png;base64,", in: html) == 9)

        // The same command again reuses every run and evaluation; a changed budget is not silently reused.
        try compare(arguments)
        let again = try readReport(w.file("cmp/compare.json"))
        #expect(again.rows.allSatisfy { $0.training?.hasPrefix("reused: finished run") == true
                                        && $0.evaluationSource?.hasPrefix("reused") == true })
        #expect(again.rows.map { $0.evaluation["crps"]!.mean } == report.rows.map { $0.evaluation["crps"]!.mean })
        #expect(try w.text("cmp/report.md").contains("rvd: reused: finished run at step 2"))
        var changed = arguments
        changed[changed.firstIndex(of: "--steps")! + 1] = "3"
        try compare(changed)
        let retrained = try readReport(w.file("cmp/compare.json"))
        #expect(retrained.rows[0].training?.contains("trained again: steps 2 → 3 changed") == true, "\(retrained.rows[0].training ?? "")")
        #expect(retrained.rows[0].steps == 3 && w.exists("cmp/rvd-tiny.replaced/last.h5"))
    }

    /// The acceptance of resuming (the slowest test here: three tiny models trained by the real executable,
    /// then the rerun): the real executable is killed (SIGKILL) once the first model's run and
    /// evaluation are finished; the same command run again finishes without training that model again.
    @Test func killedComparisonFinishesOnRerunWithoutRetraining() throws {
        let w = try CompareWorkspace()
        defer { w.remove() }
        let arguments = ["compare", "--models", "rvd:tiny,ivrnn:tiny,copy-last:tiny", "--data", w.store, "--steps", "8",
                         "--samples", "2", "--metrics", "crps,mse", "--out", w.file("cmp"), "--quiet"]
        let process = Process()
        process.executableURL = builtZooExecutable
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let firstDone = w.file("cmp/rvd-tiny/compare/evaluation.json")
        // The truth file is written just after the first evaluation record, and a stored evaluation is reused
        // only with it: killed between the two (seen under load), the rerun rightly evaluates again.
        let truthDone = w.file("cmp/truth.json")
        let deadline = Date().addingTimeInterval(120)
        while !(FileManager.default.fileExists(atPath: firstDone) && FileManager.default.fileExists(atPath: truthDone))
            && process.isRunning && Date() < deadline {
            usleep(20_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(FileManager.default.fileExists(atPath: firstDone))
        let checkpoint = try #require(FileManager.default.contents(atPath: w.file("cmp/rvd-tiny/last.h5")))
        #expect(!w.exists("cmp/report.html"), "the run was not cut off: make the later models slower")

        try compare(Array(arguments.dropFirst()))
        let report = try readReport(w.file("cmp/compare.json"))
        #expect(report.rows.map(\.label) == ["rvd", "ivrnn", "copy-last"])
        #expect(report.rows[0].training?.hasPrefix("reused: finished run at step 8") == true, "\(report.rows[0].training ?? "")")
        #expect(report.rows[0].evaluationSource?.hasPrefix("reused") == true)
        #expect(FileManager.default.contents(atPath: w.file("cmp/rvd-tiny/last.h5")) == checkpoint)
        #expect(report.rows.allSatisfy { $0.steps == 8 || $0.model == "copy-last" })
        #expect(w.exists("cmp/report.md") && w.exists("cmp/report.html"))
    }

    /// report.html opens in a real browser: headless Chromium draws a non-blank page and its DOM holds the
    /// Figure 3 plot with one polyline per model. The screenshot is kept in .build/test-output/.
    @Test func reportRendersInHeadlessChromium() throws {
        let chromium = try #require(["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
            .first { FileManager.default.isExecutableFile(atPath: $0) },
            "headless Chromium is needed (scripts/install-deps.sh installs Debian's chromium package)")
        let w = try CompareWorkspace()
        defer { w.remove() }
        try compare(["--models", "convgru:tiny,copy-last:tiny", "--data", w.store, "--steps", "2", "--samples", "2",
                     "--metrics", "crps,mse,psnr", "--out", w.file("cmp"), "--quiet"])
        let page = URL(fileURLWithPath: w.file("cmp/report.html")).absoluteString
        let outputFolder = builtZooExecutable.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("test-output").path
        try FileManager.default.createDirectory(atPath: outputFolder, withIntermediateDirectories: true)
        let screenshot = outputFolder + "/compare-report.png"
        try? FileManager.default.removeItem(atPath: screenshot)
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                      "--user-data-dir=" + w.file("chromium-profile")]
        func runChromium(_ extra: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: chromium)
            process.arguments = common + extra + [page]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        _ = try runChromium(["--screenshot=" + screenshot, "--window-size=1280,1600", "--hide-scrollbars"])
        let image = try PNGImage.read(path: screenshot)
        #expect(image.width == 1280)
        // Not blank: many distinct colours and a fair share of non-white pixels.
        var colours = Set<Int>()
        var inked = 0
        let c = image.channels
        for i in stride(from: 0, to: image.width * image.height, by: 1) {
            let r = Int(image.pixels[i * c]), g = Int(image.pixels[i * c + (c > 1 ? 1 : 0)]), b = Int(image.pixels[i * c + (c > 2 ? 2 : 0)])
            colours.insert(r << 16 | g << 8 | b)
            if r + g + b < 700 { inked += 1 }
        }
        #expect(colours.count > 50 && inked > image.width * image.height / 100, "\(colours.count) colours, \(inked) inked pixels")
        print("compare report screenshot: \(screenshot)")

        // The DOM as the browser parsed it: the plot is an SVG element with one polyline per model.
        let dom = try runChromium(["--dump-dom"])
        let plot = try #require(dom.range(of: "id=\"figure3-crps\"").map { String(dom[$0.lowerBound...]) })
        let element = String(plot[..<(plot.range(of: "</svg>")?.lowerBound ?? plot.endIndex)])
        #expect(count("<polyline", in: element) == 2)
        #expect(element.contains("data-model=\"convgru\"") && element.contains("data-model=\"copy-last\""))
        #expect(dom.contains("<table id=\"table1\">"))
    }
}
