"""Chinese for what Studio makes and says about it: Content Credentials (issue #30) and speech,
Listen and the audio/video exports (issue #29). Merged into :data:`studio.ui.i18n.zh.ZH` and ``PATTERNS``."""

from __future__ import annotations

MADE_ZH: dict[str, str] = {"Trusted": "可信（签名者在信任列表中）", "Valid": "有效（签名和哈希无误，签名者未列入信任列表）",
           "Invalid": "无效（文件在签名后被改动，或签名有误）"}
# ----- Listen (studio/ui/listen.py) and the audio/video exports
MADE_ZH.update({
    "Listen (the whole draft, or the selected text)": "朗读（整篇草稿，或选中的文字）", "Listen": "朗读",
    "Speaking voice": "朗读声音", "Speed": "语速", "1 is the voice's own pace (Piper's length_scale is its inverse).":
        "1 是这个声音本来的语速（Piper 的 length_scale 是它的倒数）。",
    "Pause between sections (s)": "小节之间的停顿（秒）", "Stop listening": "停止朗读", "Player": "播放器",
    "Stopped.": "已停止。", "Transcript (WebVTT)": "字幕稿（WebVTT）",
    "md: Markdown zip with an images/ folder · html: one self-contained page · docx: Word document · mp3: the article "
    "read aloud, with chapters · mp4: a narrated video of its pictures":
        "md：带 images/ 文件夹的 Markdown zip · html：一个独立网页 · docx：Word 文档 · mp3：朗读全文，带章节 · "
        "mp4：配朗读的图片视频",
    "mp3 and mp4 take a while: the article is read aloud first (about a sixth of its length on this computer). A "
    "WebVTT transcript (.vtt) comes with them.":
        "mp3 和 mp4 需要一些时间：要先朗读全文（在这台电脑上约为音频时长的六分之一）。同时会生成 WebVTT 字幕稿（.vtt）。",
})

MADE_ZH["is missing: send the text to read aloud as 'input'."] = "缺少：请把要朗读的文字放在 'input' 里发送。"

MADE_PATTERNS: list[tuple[str, str]] = [
    # ----- /v1/audio/speech (issues #28, #29)
    ("model: Studio has no voice {user_v}. Name one of its voices as the model (or the voice): {l}.",
     "model：Studio 没有声音 {user_v}。请把它的某个声音作为 model（或 voice）：{l}。"),
    # ----- Content Credentials in the PNG-info reader (issue #30)
    ("Content Credentials: {t_state}", "内容凭证（C2PA）：{t_state}"),
    ("Failed checks: {f}", "未通过的检查：{f}"), ("Actions: {a}", "操作：{a}"),
    ("Digital source type: {t}", "数字来源类型（IPTC）：{t}"), ("Made with: {m}", "制作工具：{m}"),
    ("Signed by: {user_s}", "签名者：{user_s}"), ("Made from: {user_i}", "来源图片：{user_i}"),
    ("IPTC digital source type: {t}", "IPTC 数字来源类型：{t}"),
    ("This text was generated with {m}.", "本文由 {m} 生成。"),
    ("About {num_p}% of this text was generated with {m} and edited by the author.",
     "本文约 {num_p}% 的文字由 {m} 生成，并经作者编辑。"),

    ("Sentence {i} of {n} · about {t} s left", "第 {i} 句（共 {n} 句）· 约剩 {t} 秒"),
    ("Sentence {i} of {n} · about {t} min left", "第 {i} 句（共 {n} 句）· 约剩 {t} 分钟"),
    ("Sentence {i} of {n}", "第 {i} 句（共 {n} 句）"), ("Done: {n} sentences.", "完成：共 {n} 句。"),
]
