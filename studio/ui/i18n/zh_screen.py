"""Simplified Chinese for the writer's screen of issue #31: waiting jobs, the brief, the writing bar, two tabs
on one article, models that cannot load. Same form as :mod:`.zh` (exact sentences and templates)."""

from __future__ import annotations

SCREEN_ZH: dict[str, str] = {
    "another writing job": "另一项写作任务",
    "another picture job": "另一项图片任务",
    # the Tone and Inpaint area choices' labels (their values stay the API's lower-case words)
    "Neutral": "中性", "Formal": "正式", "Casual": "随意", "Persuasive": "有说服力", "Friendly": "友好",
    "Academic": "学术", "Whole picture": "整张图片", "Only masked": "仅涂抹区域",
}

SCREEN_PATTERNS: list[tuple[str, str]] = [
    ("must be a dict with {fields}.", "必须是含有 {fields} 的字典。"),
    ("has no field {name}; its fields are {fields}.", "没有字段 {name}；它的字段是 {fields}。"),
    ("Waiting for {t_what} to finish first.", "正在等待{t_what}先完成。"),
    ("Waiting for {t_what} to finish first: about {num_s} s.", "正在等待{t_what}先完成：约 {num_s} 秒。"),
    ("Waiting for {t_what} to finish first; it has run for {num_s} s.", "正在等待{t_what}先完成；它已运行 {num_s} 秒。"),
]
