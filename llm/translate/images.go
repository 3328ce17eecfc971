package translate

import (
	"strings"

	"github.com/tidwall/gjson"
)

// Images and documents. Chat carries them as URLs (an https URL or a base64 data: URL)
// and Messages as a source object (base64 with its media type, or a URL).

// messagesImageTypes are the image media types Anthropic's Messages API accepts.
var messagesImageTypes = map[string]bool{
	"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true,
}

// dataURL splits a base64 data: URL into its media type and data.
func dataURL(u string) (mediaType, data string, ok bool) {
	rest, ok := strings.CutPrefix(u, "data:")
	if !ok {
		return "", "", false
	}
	meta, data, ok := strings.Cut(rest, ",")
	if !ok {
		return "", "", false
	}
	mediaType, params, _ := strings.Cut(meta, ";")
	if !strings.Contains(";"+params+";", ";base64;") {
		return "", "", false
	}
	return strings.ToLower(strings.TrimSpace(mediaType)), data, true
}

func (o *Options) target() string {
	if o.Target == "" {
		return "the upstream"
	}
	return o.Target
}

// appendImage appends a Chat image URL as a Messages image block.
func appendImage(b []byte, url gjson.Result, o *Options) ([]byte, error) {
	u := url.Str
	if mt, data, ok := dataURL(u); ok {
		if !messagesImageTypes[mt] {
			return nil, badRequest("image type %q is not accepted by %s (it takes image/jpeg, image/png, image/gif and image/webp)", mt, o.target())
		}
		b = append(b, `{"type":"image","source":{"type":"base64","media_type":"`...)
		b = append(b, mt...)
		b = append(b, `","data":`...)
		b = appendString(b, data)
		return append(b, `}}`...), nil
	}
	if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		if !o.ImageURLs {
			return nil, badRequest("%s does not accept images by URL; send the image as a base64 data: URL", o.target())
		}
		b = append(b, `{"type":"image","source":{"type":"url","url":`...)
		b = append(b, url.Raw...)
		return append(b, `}}`...), nil
	}
	return nil, badRequest("image_url.url must be an http(s) URL or a base64 data: URL")
}

// appendDocument appends a Chat file part holding a PDF as a Messages document block.
func appendDocument(b []byte, file gjson.Result) ([]byte, error) {
	mt, data, ok := dataURL(file.Get("file_data").Str)
	if !ok || mt != "application/pdf" {
		return nil, badRequest("file parts can be translated only as base64 PDF data (file_data: data:application/pdf;base64,…); file_id cannot")
	}
	b = append(b, `{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":`...)
	b = appendString(b, data)
	b = append(b, `}`...)
	if name := file.Get("filename"); name.Type == gjson.String {
		b = append(b, `,"title":`...)
		b = append(b, name.Raw...)
	}
	return append(b, '}'), nil
}

// appendImageURL appends a Messages image block's source as a Chat image_url part.
func appendImageURL(b []byte, source gjson.Result) ([]byte, error) {
	switch source.Get("type").Str {
	case "base64":
		mt := source.Get("media_type").Str
		b = append(b, `{"type":"image_url","image_url":{"url":"data:`...)
		b = appendStringBody(b, mt)
		b = append(b, `;base64,`...)
		b = appendStringBody(b, source.Get("data").Str)
		return append(b, `"}}`...), nil
	case "url":
		b = append(b, `{"type":"image_url","image_url":{"url":`...)
		b, err := appendText(b, source.Get("url"), "an image source's url")
		return append(b, `}}`...), err
	}
	return nil, badRequest("images with a source of type %q cannot be translated to OpenAI's Chat Completions API", source.Get("type").Str)
}

// appendDocumentFile appends a Messages document block as a Chat file part (base64
// PDFs) or a text part (plain-text documents).
func appendDocumentFile(b []byte, doc gjson.Result) ([]byte, error) {
	source := doc.Get("source")
	switch source.Get("type").Str {
	case "base64":
		if source.Get("media_type").Str != "application/pdf" {
			break
		}
		b = append(b, `{"type":"file","file":{"filename":`...)
		if t := doc.Get("title"); t.Type == gjson.String {
			b = append(b, t.Raw...)
		} else {
			b = append(b, `"document.pdf"`...)
		}
		b = append(b, `,"file_data":"data:application/pdf;base64,`...)
		b = appendStringBody(b, source.Get("data").Str)
		return append(b, `"}}`...), nil
	case "text":
		b = append(b, `{"type":"text","text":`...)
		b, err := appendText(b, source.Get("data"), "a text document's data")
		return append(b, '}'), err
	}
	return nil, badRequest("documents can be translated to OpenAI's Chat Completions API only as base64 PDFs or plain text")
}

// appendStringBody appends s escaped as inside a JSON string, without the quotes.
func appendStringBody(b []byte, s string) []byte {
	start := len(b)
	b = appendString(b, s)
	end := len(b) - 1 // the closing quote
	copy(b[start:], b[start+1:end])
	return b[:end-1]
}
