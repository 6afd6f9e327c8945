// cxx-locale: std::locale("C.UTF-8") (glibc's locale archive directory /usr/lib/locale/C.utf8),
// iconv to ISO-8859-1 (a gconv module, dlopened) and to UTF-16LE (built into glibc), and
// getpwnam (NSS files). Prints the same lines on every run; exits 1 when one of them fails.
#include <iconv.h>
#include <pwd.h>

#include <cstdio>
#include <cwchar>
#include <iostream>
#include <locale>
#include <stdexcept>
#include <string>

static std::string hex(const std::string& s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

// iconv of IN from UTF-8 to TO, as hex; throws when iconv cannot
static std::string convert(const char* to, const std::string& in) {
  iconv_t cd = iconv_open(to, "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1))
    throw std::runtime_error(std::string("iconv_open ") + to);
  std::string out(in.size() * 4, '\0');
  char* ip = const_cast<char*>(in.data());
  char* op = out.data();
  size_t il = in.size(), ol = out.size();
  size_t rc = iconv(cd, &ip, &il, &op, &ol);
  iconv_close(cd);
  if (rc == static_cast<size_t>(-1)) throw std::runtime_error(std::string("iconv to ") + to);
  out.resize(out.size() - ol);
  return hex(out);
}

int main() {
  const std::string text = "Gr\xc3\xbc\xc3\x9f Gott, caf\xc3\xa9";  // "Grüß Gott, café"
  try {
    std::locale loc("C.UTF-8");
    std::cout << "locale " << loc.name() << "\n";
    // decode with the locale's codecvt, then upper-case with its ctype
    const auto& cvt = std::use_facet<std::codecvt<wchar_t, char, std::mbstate_t>>(loc);
    std::mbstate_t st{};
    std::wstring w(text.size(), L'\0');
    const char* from_next;
    wchar_t* to_next;
    if (cvt.in(st, text.data(), text.data() + text.size(), from_next, w.data(), w.data() + w.size(),
               to_next) != std::codecvt_base::ok)
      throw std::runtime_error("codecvt in");
    w.resize(static_cast<size_t>(to_next - w.data()));
    std::cout << "code points " << w.size() << "\n";
    std::use_facet<std::ctype<wchar_t>>(loc).toupper(w.data(), w.data() + w.size());
    std::string up(w.size() * 4, '\0');
    st = std::mbstate_t{};
    const wchar_t* wf;
    char* tn;
    if (cvt.out(st, w.data(), w.data() + w.size(), wf, up.data(), up.data() + up.size(), tn) !=
        std::codecvt_base::ok)
      throw std::runtime_error("codecvt out");
    up.resize(static_cast<size_t>(tn - up.data()));
    std::cout << "upper " << up << "\n";
    std::cout << "iso-8859-1 " << convert("ISO-8859-1", text) << "\n";
    std::cout << "utf-16le " << convert("UTF-16LE", text) << "\n";
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "cxx-locale: " << e.what() << "\n";
    return 1;
  }
  const passwd* pw = getpwnam("root");
  if (!pw) {
    std::cerr << "cxx-locale: getpwnam(root) failed\n";
    return 1;
  }
  std::cout << "root uid=" << pw->pw_uid << " home=" << pw->pw_dir << " shell=" << pw->pw_shell
            << "\n";
  return 0;
}
