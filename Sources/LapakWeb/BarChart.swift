import Foundation
import LapakBot

/// A horizontal bar chart drawn on the server as inline SVG: readable without JavaScript, by screen readers
/// (a title, a description and a text label with the number on every bar) and at 360 px (it scales to its box).
struct BarChart: Sendable {
    var title: String
    var bars: [(label: String, count: Int)]

    /// The chart's SVG markup; every text is escaped.
    var svg: String {
        let rowHeight = 28, labelWidth = 230, barWidth = 300, width = labelWidth + barWidth + 70
        let height = max(1, bars.count) * rowHeight + 8
        let largest = max(1, bars.map(\.count).max() ?? 1)
        var out = """
            <svg class="chart" viewBox="0 0 \(width) \(height)" width="100%" role="img" aria-labelledby="\(id)-title" \
            xmlns="http://www.w3.org/2000/svg"><title id="\(id)-title">\(HTML.escape(title))</title>
            """
        for (index, bar) in bars.enumerated() {
            let y = index * rowHeight + 4
            let length = max(2, Int((Double(bar.count) / Double(largest) * Double(barWidth)).rounded()))
            out += """
                <g><text x="\(labelWidth - 8)" y="\(y + 18)" text-anchor="end" class="chart-label">\(HTML.escape(bar.label))</text>\
                <rect x="\(labelWidth)" y="\(y + 4)" width="\(length)" height="\(rowHeight - 10)" class="chart-bar"/>\
                <text x="\(labelWidth + length + 6)" y="\(y + 18)" class="chart-value">\(bar.count)</text></g>
                """
        }
        return out + "</svg>"
    }

    /// A stable id for the title, from the title's letters.
    private var id: String { "chart-" + String(title.lowercased().filter { $0.isLetter && $0.isASCII }.prefix(24)) }

}
