// The built-in catalog of request types, categories and authorities (config
// `requests.catalog` replaces it whole). Ids are stable and go to HQ; labels are the
// Turkish words printed on receipts and shown on tablets.
import type { Catalog, CatalogEntry } from './catalog.js';

const c = (id: string, label: string): CatalogEntry => ({ id, label });

/** What citizens bring to the van about the town itself. */
const MUNICIPAL: CatalogEntry[] = [
  c('roads', 'Yol, kaldırım ve asfalt'),
  c('water', 'Su ve kanalizasyon'),
  c('cleaning', 'Temizlik ve çöp toplama'),
  c('lighting', 'Sokak aydınlatması'),
  c('parks', 'Park ve yeşil alan'),
  c('social_aid', 'Sosyal yardım'),
  c('zoning', 'İmar ve yapı'),
  c('municipal_police', 'Zabıta (gürültü, işgal, denetim)'),
  c('transport', 'Ulaşım ve trafik'),
  c('stray_animals', 'Sokak hayvanları'),
  c('environment', 'Çevre ve kirlilik'),
  c('culture', 'Kültür, sanat ve etkinlik'),
  c('taxes', 'Vergi, harç ve tahsilat'),
  c('staff_conduct', 'Personel ve hizmet kalitesi'),
  c('other', 'Diğer'),
];

export const DEFAULT_CATALOG: Catalog = {
  types: [
    { id: 'bilgi_edinme', label: 'Bilgi Edinme', rule: 'bilgi_edinme', categories: MUNICIPAL },
    { id: 'sikayet', label: 'Şikâyet', rule: 'petition', categories: MUNICIPAL },
    { id: 'istek', label: 'İstek / Talep', rule: 'petition', categories: MUNICIPAL },
    { id: 'gorus_oneri', label: 'Görüş ve Öneri', rule: 'petition', categories: MUNICIPAL },
    // Thanks ask for no decision, so Law 3071's answer time does not apply.
    { id: 'tesekkur', label: 'Teşekkür', rule: 'none', categories: MUNICIPAL },
    { id: 'ihbar', label: 'İhbar', rule: 'petition', categories: MUNICIPAL },
    {
      // A registration with the employment office, not a petition: no legal answer time.
      id: 'istihdam_kayit',
      label: 'İstihdam Merkezi Kaydı',
      rule: 'none',
      categories: [c('job_seeker', 'İş arayan kaydı'), c('vocational_course', 'Meslek edindirme kursu'), c('employer', 'İşveren / iş ilanı')],
    },
  ],
  authorities: [
    {
      id: 'inegol_department',
      label: 'İnegöl Belediyesi',
      departments: [
        c('fen_isleri', 'Fen İşleri Müdürlüğü'),
        c('temizlik', 'Temizlik İşleri Müdürlüğü'),
        c('park_bahceler', 'Park ve Bahçeler Müdürlüğü'),
        c('zabita', 'Zabıta Müdürlüğü'),
        c('imar', 'İmar ve Şehircilik Müdürlüğü'),
        c('sosyal_destek', 'Sosyal Destek Hizmetleri Müdürlüğü'),
        c('kultur', 'Kültür ve Sosyal İşler Müdürlüğü'),
        c('veteriner', 'Veteriner İşleri Müdürlüğü'),
        c('cevre', 'Çevre Koruma ve Kontrol Müdürlüğü'),
        c('mali_hizmetler', 'Mali Hizmetler Müdürlüğü'),
        c('yazi_isleri', 'Yazı İşleri Müdürlüğü'),
        c('istihdam', 'İstihdam Merkezi'),
        c('cozum_merkezi', '153 Çözüm Merkezi'),
      ],
    },
    { id: 'bursa_buyuksehir', label: 'Bursa Büyükşehir Belediyesi' },
    { id: 'buski', label: 'BUSKİ (Bursa Su ve Kanalizasyon İdaresi)' },
    { id: 'other', label: 'Diğer kurum', freeText: true },
  ],
};
