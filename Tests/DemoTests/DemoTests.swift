import Demo
import Foundation
import Testing
import TestSupport

/// The demo's pipeline end to end in its quick form (a smoke test: a few steps of each stage).
@Test func demoPipelineWritesItsSummaryAndPlot() throws {
    let folder = ScratchFolder.path("rlvr-demo")
    let summary = try DemoPipeline(out: folder, threads: 2, quick: true, log: { _ in }).run()
    #expect(summary.steps == 4 && summary.heldOutPrompts == 32)
    let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/summary.json"))
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(object["before"] is Double && object["after"] is Double && object["seconds"] is Double)
    let svg = try String(contentsOfFile: folder + "/curves.svg", encoding: .utf8)
    #expect(svg.hasPrefix("<svg") && svg.contains("polyline"))
    // the generated task: held-out problems use names the training problems never do
    let task = ArithmeticTask(seed: 1)
    let trainingNames = Set((0..<200).flatMap { task.problem(stream: 0, index: $0).question.split(separator: " ").map(String.init) }
        .filter { ["Tom", "Ann", "Lee", "Sam", "Mia", "Joe", "Eva", "Max"].contains($0) })
    #expect(trainingNames.count == 8)
    let heldOutWords = Set((0..<50).flatMap { task.problem(stream: 2, index: $0).question.split(separator: " ").map(String.init) })
    #expect(heldOutWords.isDisjoint(with: trainingNames))
    #expect(task.teacherAnswer(task.problem(stream: 0, index: 0), index: 0).contains("#### "))
}
