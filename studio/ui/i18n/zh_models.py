"""Simplified Chinese for the Models tab and the Hub engines' messages (issue #27); same form as :mod:`.zh`."""

from __future__ import annotations

MODELS_ZH: dict[str, str] = {
    "Models": "模型",
    "Get a larger or multilingual model for writing, a picture model or a Piper voice from the Hugging "
    "Face Hub. A downloaded model appears at once in the Write and Image tabs' model lists, a voice in "
    "the Listen voice lists.":
        "从 Hugging Face Hub 获取更大或多语言的写作模型、图片模型或 Piper 语音。下载好的模型会立即出现在“写作”和“图片”"
        "标签页的模型列表里，语音会立即出现在“朗读”的语音列表里。",
    "Kind of model": "模型种类", "Text (Write tab)": "文字（写作标签页）", "Pictures (Image tab)": "图片（图片标签页）",
    "Installed": "已安装", "Recommended": "推荐", "Search the Hub": "在 Hub 上搜索",
    "Size": "大小", "Licence": "许可证", "Languages": "语言", "Used by": "使用者", "Where": "位置",
    "Reference": "引用名", "Memory needed": "所需内存", "Speed here": "本机速度", "Note": "备注",
    "Downloads": "下载量", "Likes": "点赞", "Search": "搜索", "Model": "模型",
    "Click a row above to fill it in.": "点击上面的一行即可填入。",
    "org/name:file.gguf, org/name:voice.onnx or org/name": "org/name:file.gguf、org/name:voice.onnx 或 org/name",
    # Piper voices (the speech kind)
    "Voices (Listen, Piper)": "语音（朗读，Piper）", "Listen (Write, Library)": "朗读（写作、文库）",
    "CC0 voice data, MIT wheel": "语音数据 CC0，wheel 包 MIT", "see its MODEL_CARD": "见其 MODEL_CARD",
    "Blizzard 2013 Lessac: research use only": "Blizzard 2013 Lessac：仅限研究使用",
    "English (en_US)": "英文（en_US）", "English (en_GB)": "英文（en_GB）", "Chinese (zh_CN)": "中文（zh_CN）",
    "Lessac, US English (medium)": "Lessac，美式英语（中等音质）",
    "Alba, British English (medium)": "Alba，英式英语（中等音质）",
    "Alan, British English (medium)": "Alan，英式英语（中等音质）",
    "Huayan, Chinese (medium)": "华燕，中文（中等音质）",
    "Estimate the speed on this machine": "估算本机速度",
    "Download": "下载", "Cancel": "取消", "Make default": "设为默认", "Delete": "删除",
    "built in": "内置", "Hugging Face cache": "Hugging Face 缓存", "see its card": "见其模型卡",
    "Too little memory on this machine": "本机内存不足", "No GPU: very slow": "没有 GPU：非常慢",
    "29 languages, Chinese and English": "29 种语言，含中文和英文", "English and 7 more": "英文及另外 7 种",
    "English prompts": "英文提示词", "English": "英文", "starting": "正在开始", "Downloaded.": "已下载。",
    "Only the studio's administrators (--admin) may download or delete models.":
        "只有 Studio 的管理员（--admin）可以下载或删除模型。",
    "is not installed. Download it first, or pick one from the Installed list.": "没有安装。请先下载，或从“已安装”列表中选一个。",
    "is empty: click a row of Recommended or of the search results first, or type a Hub id like org/name.":
        "是空的：请先点“推荐”或搜索结果中的一行，或输入 Hub 的 id，如 org/name。",
    "must be a Hugging Face Hub id like org/name, or org/name:file.gguf.":
        "必须是 Hugging Face Hub 的 id，如 org/name，或 org/name:file.gguf。",
    "must be 1 to 200 characters of a model's name.": "必须是模型名称的 1 到 200 个字符。",
    "Download cancelled; its partial files were removed.": "下载已取消；未完成的文件已删除。",
    "Download cancelled.": "下载已取消。", "The download did not finish.": "下载没有完成。",
}

MODELS_PATTERNS: list[tuple[str, str]] = [
    ("must be one of {kinds}.", "必须是 {kinds} 之一。"),
    ("must name a user of --auth; not one: {user_names}.", "必须是 --auth 中的用户；以下不是：{user_names}。"),
    ("about {n} tokens/s", "约每秒 {n} 个 token"),
    ("{n} s left", "还剩 {n} 秒"),
    ("Deleted {ref}.", "已删除 {ref}。"),
    ("{ref} is the default from the next start (a --text-model or --diffusion-model flag still wins).",
     "下次启动起 {ref} 为默认模型（--text-model 或 --diffusion-model 参数仍然优先）。"),
    ("{ref} is the default voice from the next start (a --speech-model flag still wins).",
     "下次启动起 {ref} 为默认语音（--speech-model 参数仍然优先）。"),
    ("'{ref}' is not a downloaded model, so there is nothing to delete.", "“{ref}”不是下载的模型，没有可删除的。"),
    ("'{ref}' is gated: accept its licence on the Hub with your account, then set `HF_TOKEN` to one "
     "of your access tokens and try again.",
     "“{ref}”需要授权：请用你的账号在 Hub 上接受它的许可证，再把 `HF_TOKEN` 设为你的一个访问令牌，然后重试。"),
    ("The Hub refused '{ref}': {why}", "Hub 拒绝了“{ref}”：{why}"),
    ("'{repo}' has no file '{name}'. Its files: {files}", "“{repo}”没有文件“{name}”。它的文件：{files}"),
    ("Not enough free disk space for '{ref}': it needs {a} GB and {b} GB are free in {where}. Free some space and try again.",
     "磁盘空间不足，无法下载“{ref}”：需要 {a} GB，{where} 中只有 {b} GB 可用。请腾出一些空间后重试。"),
    ("The download failed: {why}", "下载失败：{why}"),
    ("'{name}' is not a Piper voice: its .onnx.json is not beside it on the Hub.",
     "“{name}”不是 Piper 语音：Hub 上它旁边没有对应的 .onnx.json。"),
    ("'{repo}' holds {n} Piper voices; name the one to download, for example {shown}.",
     "“{repo}”含有 {n} 个 Piper 语音；请指明要下载哪一个，例如 {shown}。"),
    # ids-ui-tabs
    ("Failed: {why}", "失败：{why}"),
]

# ids-image: each whole message one id (issue #24)
MODELS_ZH.update({
    "The Hugging Face Hub cannot be reached from this studio (offline, or no network). To add a model by hand, copy "
    "its .gguf file (or a diffusers folder, or a Piper voice's .onnx and .onnx.json files) into a folder and start the "
    "studio with --model-dir FOLDER; it then appears in the lists.":
        "这个 Studio 无法连接 Hugging Face Hub（离线，或没有网络）。要手动添加模型，请把它的 .gguf 文件（或 diffusers "
        "文件夹，或 Piper 语音的 .onnx 和 .onnx.json 文件）复制到一个文件夹里，再用 --model-dir FOLDER 启动 Studio；"
        "它随后会出现在列表中。",
})
MODELS_PATTERNS += [
    ("'{ref}' is not on the Hub (or it is private). Check the name.", "“{ref}”不在 Hub 上（或是私有的）。请检查名称。"),
    ("The download of '{name}' was damaged (its checksum is not the Hub's), so it was deleted. Try again.",
     "“{name}”的下载已损坏（校验和与 Hub 的不符），已删除。请重试。"),
    ("'{ref}' is not a model reference. A Hub GGUF file is written org/name:file.gguf.",
     "“{ref}”不是模型引用名。Hub 上的 GGUF 文件写作 org/name:file.gguf。"),
    ("Model '{ref}' is not downloaded. Download it in the Models tab first.", "模型“{ref}”还没有下载。请先在“模型”标签页下载它。"),
]
